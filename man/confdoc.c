/* confdoc.c - build tool: prints the docs generated from the key tables.
 *
 *   skein-confdoc man TEMPLATE       skein.properties(5) from its template
 *   skein-confdoc readme README.md   README.md with its key table regenerated
 *   skein-confdoc help               the key list of `skeind --help`
 *
 * Output goes to standard output; exit status 1 on an error (named on
 * standard error), 2 on bad usage.
 */
#include "conf.h"

#include <stdio.h>
#include <string.h>

#include "kerr.h"

int main(int argc, char **argv)
{
    char err[512] = "";
    int rc = SK_OK;
    if (argc == 2 && strcmp(argv[1], "help") == 0) {
        sk_conf_print_help(stdout);
        return 0;
    }
    if (argc != 3 || (strcmp(argv[1], "man") != 0 && strcmp(argv[1], "readme") != 0)) {
        fprintf(stderr, "usage: skein-confdoc man TEMPLATE | readme README.md | help\n");
        return 2;
    }
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        fprintf(stderr, "skein-confdoc: cannot open %s\n", argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "man") == 0)
        rc = sk_conf_print_man(in, stdout, err, sizeof(err));
    else
        rc = sk_conf_print_readme(in, stdout, err, sizeof(err));
    fclose(in);
    if (rc != SK_OK) {
        fprintf(stderr, "skein-confdoc: %s: %s\n", argv[2], err);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
