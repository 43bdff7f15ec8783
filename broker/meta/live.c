/* live.c - the live brokers as this broker knows them (from UpdateMetadata)
 * and where a client reaches each one. */
#include "meta/broker_ctx.h"

void sk_broker_clear_live(sk_broker_t *b)
{
    for (int i = 0; i < b->n_live; i++) {
        free(b->live[i].host);
        free(b->live[i].rack);
        for (int e = 0; e < b->live[i].n_eps; e++) {
            free(b->live[i].eps[e].listener);
            free(b->live[i].eps[e].host);
        }
        free(b->live[i].eps);
    }
    free(b->live);
    b->live = NULL;
    b->n_live = 0;
}

int sk_broker_addr(const sk_broker_t *b, int32_t id, const char *listener, const char **host,
                   int *port)
{
    for (int i = 0; i < b->n_live; i++) {
        const sk_live_broker_t *lb = &b->live[i];
        if (lb->id != id)
            continue;
        *host = lb->host;
        *port = lb->port;
        for (int e = 0; listener && e < lb->n_eps; e++)
            if (!strcmp(lb->eps[e].listener, listener)) {
                *host = lb->eps[e].host;
                *port = lb->eps[e].port;
            }
        return 1;
    }
    if (id != b->id || b->n_endpoints == 0)
        return 0;
    *host = b->endpoints[0].host;
    *port = b->endpoints[0].port;
    for (int e = 0; listener && e < b->n_endpoints; e++)
        if (!strcmp(b->endpoints[e].listener, listener)) {
            *host = b->endpoints[e].host;
            *port = b->endpoints[e].port;
        }
    return 1;
}
