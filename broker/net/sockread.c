/* sockread.c - large reads of a frame's bytes (see sockread.h). */
#include "net/sockread.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sys/uio.h>
#include <unistd.h>

ssize_t sk_sockread_fill(struct bufferevent *bev, size_t want)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    evutil_socket_t fd = bufferevent_getfd(bev);
    size_t have = evbuffer_get_length(in);
    ssize_t total = 0;
    if (fd < 0)
        return 0;
    /* A bufferevent keeps the end of its input frozen outside its own reads;
     * this is one of them. */
    evbuffer_unfreeze(in, 0);
    while (have < want) {
        size_t ask = want - have;
        if (ask > SK_SOCKREAD_CHUNK)
            ask = SK_SOCKREAD_CHUNK;
        struct evbuffer_iovec v;
        if (evbuffer_reserve_space(in, (ev_ssize_t)ask, &v, 1) != 1)
            break;
        if (v.iov_len > ask)
            v.iov_len = ask;
        ssize_t n;
        do
            n = read(fd, v.iov_base, v.iov_len);
        while (n < 0 && errno == EINTR);
        if (n <= 0) /* nothing more now, EOF or an error: libevent's next read reports it */
            break;
        v.iov_len = (size_t)n;
        if (evbuffer_commit_space(in, &v, 1) != 0)
            break;
        have += (size_t)n;
        total += n;
        if ((size_t)n < ask) /* the socket gave all it had */
            break;
    }
    evbuffer_freeze(in, 0);
    return total;
}
