/* skein-dump-log - print log segment files (.log, .index, .timeindex) in
 * the style of kafka-dump-log.sh. See skein-dump-log(1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumplog.h"
#include "mem.h"

static void usage(FILE *f)
{
    fputs("Usage: skein-dump-log --files FILE[,FILE...] [--print-data-log] [--deep-iteration]\n"
          "                      [--index-sanity-check]\n"
          "Print the contents of Kafka/Skein log segment files.\n"
          "\n"
          "  --files FILES           comma-separated .log, .index or .timeindex files (required;\n"
          "                          may be given more than once)\n"
          "  --deep-iteration        print every record of every batch, not just batch headers\n"
          "  --print-data-log        print records with their key and payload (implies\n"
          "                          --deep-iteration)\n"
          "  --index-sanity-check    check .index/.timeindex files and print only the result\n"
          "  --help                  show this help\n"
          "\n"
          "Exit status: 0 if every file was read and is valid, 1 if a file is unreadable or\n"
          "corrupt (details on stderr), 2 on a usage error.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"files", required_argument, NULL, 'f'},
        {"print-data-log", no_argument, NULL, 'p'},
        {"deep-iteration", no_argument, NULL, 'd'},
        {"index-sanity-check", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sk_dumplog_opts_t o = {0, 0, 0};
    char **files = NULL;
    size_t nfiles = 0;
    int c, status = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f': {
            char *list = sk_strdup(optarg), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                files = sk_realloc(files, (nfiles + 1) * sizeof(*files));
                files[nfiles++] = sk_strdup(t);
            }
            free(list);
            break;
        }
        case 'p':
            o.print_data = 1;
            o.deep = 1;
            break;
        case 'd':
            o.deep = 1;
            break;
        case 's':
            o.index_sanity = 1;
            break;
        case 'h':
            usage(stdout);
            goto out;
        default:
            usage(stderr);
            status = 2;
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "skein-dump-log: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        status = 2;
        goto out;
    }
    if (nfiles == 0) {
        fprintf(stderr, "skein-dump-log: --files is required\n");
        usage(stderr);
        status = 2;
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (sk_dumplog_file(files[i], &o, stdout, stderr) != 0)
            status = 1;
out:
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return status;
}
