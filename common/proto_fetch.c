/* proto_fetch.c - the Fetch response's record attachment (see proto_fetch.h):
 * the generated encoder writes the framing, this hook notes where each
 * partition's records go, and the body is then assembled in the evbuffer as
 * framing bytes and record sources in turn. */
#include "proto_fetch.h"

#include "kerr.h"
#include "mem.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct splice {
    size_t at;                      /* position in the framing */
    const sk_fetch_records_t *src;
} splice_t;

typedef struct splices {
    splice_t *v;
    size_t n, cap;
} splices_t;

static int valid(const sk_fetch_records_t *src, int32_t len)
{
    if (!src || src->len != len || src->len < 0)
        return 0;
    if (src->kind == SK_FETCH_REC_MEM)
        return src->len == 0 || src->ptr;
    return src->kind == SK_FETCH_REC_FILE && src->fd >= 0 && src->pos >= 0;
}

static int note(void *ctx, sk_wr_t *w, const sk_str_t *rec)
{
    splices_t *sp = ctx;
    if (rec->len < 0)
        return SK_OK; /* null records: the length said it all */
    const sk_fetch_records_t *src = sk_fetch_records_of(rec);
    if (!valid(src, rec->len))
        return SK_EINVAL;
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 16;
        sp->v = sk_realloc(sp->v, sp->cap * sizeof(*sp->v));
    }
    sp->v[sp->n++] = (splice_t){w->len, src};
    return SK_OK;
}

/* Appends one source to out; a FILE fd is consumed whatever happens. */
static int add_records(struct evbuffer *out, const sk_fetch_records_t *src)
{
    if (src->kind == SK_FETCH_REC_MEM)
        return src->len == 0 || evbuffer_add(out, src->ptr, (size_t)src->len) == 0 ? SK_OK
                                                                                 : SK_EIO;
    if (src->len == 0) {
        close(src->fd);
        return SK_OK;
    }
    /* Never mapped: where the buffer cannot sendfile (TLS), libevent copies
     * the range, and a page of a mapping the disk cannot read would be a
     * SIGBUS; read() answers EIO instead. */
    struct evbuffer_file_segment *seg = evbuffer_file_segment_new(
        src->fd, src->pos, src->len, EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_MMAP);
    if (!seg) {
        close(src->fd);
        return SK_EIO;
    }
    int rc = evbuffer_add_file_segment(out, seg, 0, src->len);
    /* drop our reference: the evbuffer keeps its own on success; on failure
     * this frees the segment and closes the fd */
    evbuffer_file_segment_free(seg);
    return rc == 0 ? SK_OK : SK_EIO;
}

static void close_from(const splices_t *sp, size_t i)
{
    for (; i < sp->n; i++)
        if (sp->v[i].src->kind == SK_FETCH_REC_FILE)
            close(sp->v[i].src->fd);
}

void sk_fetch_resp_discard(const sk_fetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        for (int32_t j = 0; j < resp->Responses[i].PartitionsCnt; j++) {
            sk_fetch_records_t *src = sk_fetch_records_of(&resp->Responses[i].Partitions[j].Records);
            if (src && src->kind == SK_FETCH_REC_FILE && src->fd >= 0) {
                close(src->fd);
                src->fd = -1;
            }
        }
}

int sk_fetch_resp_send(struct evbuffer *out, int16_t version, const sk_fetch_resp_t *resp)
{
    splices_t sp = {NULL, 0, 0};
    sk_msg_rechook_t hook = {note, &sp};
    sk_wr_t w;
    sk_wr_init(&w);
    int rc = sk_msg_encode_hooked(&sk_fetch_resp_desc, version, &w, resp, &hook);
    if (rc != SK_OK) {
        sk_fetch_resp_discard(resp);
        goto out;
    }
    size_t done = 0, i = 0;
    for (; i < sp.n && rc == SK_OK; i++) {
        size_t at = sp.v[i].at;
        if (at > done && evbuffer_add(out, w.buf + done, at - done) != 0) {
            rc = SK_EIO;
            break; /* this one's fd is still ours */
        }
        done = at;
        rc = add_records(out, sp.v[i].src);
    }
    close_from(&sp, i);
    if (rc == SK_OK && w.len > done && evbuffer_add(out, w.buf + done, w.len - done) != 0)
        rc = SK_EIO;
out:
    free(sp.v);
    sk_wr_free(&w);
    return rc;
}
