/* net.h - listeners and client connections: Kafka framing and in-order responses.
 *
 * Each connection reads size-prefixed frames. A size that is negative or over
 * socket.request.max.bytes closes that connection (one log line) before any
 * allocation. Requests on one connection are handled strictly one at a time,
 * in arrival order: while a request is pending (a long-polled Fetch, a
 * CreateTopics waiting for ZooKeeper) the connection reads nothing further,
 * which is how Kafka keeps responses in request order. Reading also stops
 * while a connection's unsent responses pass a few megabytes (a client that
 * never reads them) and, with queued.max.request.bytes, while the requests
 * awaiting answers over all connections pass that bound; at most 64 KiB
 * beyond the frame being read waits unread in a connection's input.
 * @locality loop (everything here)
 */
#ifndef SK_NET_H
#define SK_NET_H
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;

typedef struct sk_net_s sk_net_t;
typedef struct sk_conn_s sk_conn_t;
typedef struct sk_req_s sk_req_t;

/* A file range a response sends with sendfile (Fetch records), noted by
 * its handler (sk_req_note_file): should the send fail with EIO, which a
 * socket does not return but a failing disk under sendfile does, the net's
 * file-error callback is given each range still queued on that connection,
 * so that the log it came from can be checked (sk_net_set_file_error_cb). */
typedef struct sk_sent_file {
    char *topic;
    int32_t partition;
    int64_t offset;   /* the first batch's offset */
    int64_t file_pos;
    int64_t len;
} sk_sent_file_t;

/* One request in flight. The frame buffer belongs to the request and is
 * writable: Produce stamps offsets into batches in place before appending. */
struct sk_req_s {
    sk_conn_t *conn;
    uint8_t *frame;        /* header + body, without the 4-byte size */
    size_t frame_len;
    int16_t api_key;       /* SaslAuthenticate for a bare SASL token (sasl_raw) */
    int16_t api_version;   /* -1 for a bare SASL token */
    int sasl_raw;          /* a SASL token after a v0 SaslHandshake: frame is the token */
    int sasl_delay;        /* a refused authentication: answer after the delay */
    int32_t correlation_id;
    int resp_flexible;     /* response header v1 (tag byte) */
    int no_response;       /* acks=0 Produce: send nothing */
    struct evbuffer *resp; /* response body, filled by the handler */
    struct sk_arena_s *arena; /* per-request allocations (decoded structs) */
    void *handler_state;   /* owned by the handler while pending */
    void (*handler_free)(sk_req_t *req); /* frees handler_state (also if the conn dies) */
    int64_t received_ms;   /* monotonic */
    int64_t received_us;   /* monotonic, for the request metrics */
    int64_t handled_us;    /* when the handler returned (SK_REQ_PENDING: the wait began) */
    sk_net_t *net;         /* while its connection lives: frame_len counts toward
                              queued.max.request.bytes until the request is freed */
    const char *client_id; /* the header's client id, a view into frame (dispatch) */
    int32_t client_id_len; /* 0 for a null one */
    int32_t throttle_ms;   /* a quota's throttle time: once the answer is queued, the
                              connection is not read for this long (KIP-219) */
    int throttle_first;    /* the body starts with ThrottleTimeMs: the answer carries
                              throttle_ms there when it is larger (dispatch sets it) */
    sk_sent_file_t *files; /* sk_req_note_file: file ranges resp sends */
    int n_files;
};

/* Returned by the request callback. */
enum {
    SK_REQ_DONE = 0,    /* resp is complete: send it (or nothing if no_response) */
    SK_REQ_PENDING = 1, /* the handler calls sk_req_complete() later */
    SK_REQ_CLOSE = 2,   /* protocol violation: close the connection (handler logged it) */
};

typedef int (*sk_net_request_fn)(void *arg, sk_req_t *req);

typedef struct sk_net_listener {
    const char *name;  /* listener name, for logs */
    const char *host;  /* bind address; "" or NULL = all interfaces */
    int port;
} sk_net_listener_t;

/* Binds every listener now (so a busy port fails start-up), accepts only
 * after sk_net_start(). */
int sk_net_new(struct event_base *base, const sk_net_listener_t *ls, int n, int32_t max_request_bytes,
               sk_net_request_fn fn, void *arg, sk_net_t **out, char *err, size_t errlen);
void sk_net_start(sk_net_t *net);

/* Connection limits (Kafka's keys; 0 or INT32_MAX style "no limit" values
 * are passed as they are configured). Over max_connections or its IP's
 * limit a new connection is accepted and closed at once, one log line;
 * connections on the listener named inter_broker are never refused by
 * max_connections (Kafka), but count toward it. A connection that has sent
 * no request for idle_ms and waits for no answer is closed. queued_max_bytes
 * (> 0) bounds the frames of requests read but not yet answered, over all
 * connections: once they reach it no connection reads another request until
 * some are answered (the last one taken may overshoot it, as in Kafka). */
struct sk_ip_override;
typedef struct sk_net_limits {
    int32_t max_connections;
    int32_t max_per_ip;
    const struct sk_ip_override *overrides; /* hosts resolved here, once */
    int n_overrides;
    const char *inter_broker;              /* listener name, or NULL */
    int64_t idle_ms;                       /* <= 0: never */
    int64_t queued_max_bytes;              /* <= 0: unbounded */
    int32_t send_buffer_bytes;             /* SO_SNDBUF of accepted sockets; -1: the OS's */
    int32_t receive_buffer_bytes;          /* SO_RCVBUF of accepted sockets; -1: the OS's */
} sk_net_limits_t;
/* Before sk_net_start(), and again when a dynamic config changes the
 * limits (the overrides are replaced; a failure keeps those in force).
 * Resolves override host names (blocking: at run time an override naming a
 * host rather than an address holds the loop for the lookup); SK_EINVAL
 * naming the host if one does not resolve. */
int sk_net_set_limits(sk_net_t *net, const sk_net_limits_t *lim, char *err, size_t errlen);
/* Stop accepting and close every connection (pending requests are freed). */
void sk_net_free(sk_net_t *net);
/* Bound port of listener i (useful when configured as port 0). */
int sk_net_port(const sk_net_t *net, int i);
/* Listeners and their open connections (for /metrics). */
int sk_net_listener_count(const sk_net_t *net);
const char *sk_net_listener_name(const sk_net_t *net, int i);
int sk_net_listener_conns(const sk_net_t *net, int i);
/* SASL authentications that succeeded and failed on listener i. */
void sk_net_listener_auth(const sk_net_t *net, int i, uint64_t *ok, uint64_t *failed);

/* The file-error callback (see sk_sent_file_t): runs on the loop after the
 * connection whose send failed is closed, once per range it was sending;
 * what names the failed operation: "sendfile", or "TLS read"
 * (sk_req_files_failed). */
typedef void (*sk_net_file_error_fn)(void *arg, const sk_sent_file_t *f, const char *what);
void sk_net_set_file_error_cb(sk_net_t *net, sk_net_file_error_fn fn, void *arg);
/* resp sends [file_pos, file_pos + len) of the segment of topic-partition
 * holding offset by sendfile (see sk_sent_file_t). */
void sk_req_note_file(sk_req_t *req, const char *topic, int32_t topic_len, int32_t partition,
                      int64_t offset, int64_t file_pos, int64_t len);
/* resp could not take in the file ranges noted on req: on TLS libevent
 * reads them when they are added, and a read failed with EIO. Each goes to
 * the file-error callback as "TLS read", as a failed sendfile's would. */
void sk_req_files_failed(sk_req_t *req);

/* A pending request is finished: send resp (unless no_response) and resume
 * reading. Safe if the connection already died (the request is just freed). */
void sk_req_complete(sk_req_t *req);
/* Peer address "ip:port" of the request's connection (for logs). */
const char *sk_req_peer(const sk_req_t *req);
/* Name of the listener the request came in on ("" once the connection is gone). */
const char *sk_req_listener(const sk_req_t *req);
/* The Kafka principal of the request's connection: on a TLS listener the
 * client certificate's subject ("User:CN=alice,O=Acme", Kafka's default
 * principal mapping), otherwise (and without a certificate)
 * "User:ANONYMOUS". */
const char *sk_req_principal(const sk_req_t *req);
/* The name of the request's principal for quotas: the principal without
 * its "User:" type ("ANONYMOUS" before any authentication), as Kafka's
 * quota entities name users. */
const char *sk_req_user(const sk_req_t *req, size_t *len);
/* Connections muted by a quota's throttle time and the time muted so far. */
void sk_net_throttle_stats(const sk_net_t *net, uint64_t *mutes, uint64_t *muted_ms);
/* Close the connection of a pending request after it completes. */
void sk_req_close_after(sk_req_t *req);

/* SASL (listeners with protocol SASL_*; sasl.h). Until a connection has
 * authenticated, it is served ApiVersions and SaslHandshake, then
 * SaslAuthenticate only (anything else closes it, one log line), and reads
 * at most sasl.server.max.receive.size per request; after a v0
 * SaslHandshake its frames are bare tokens, passed on as requests with
 * sasl_raw set. */
struct sk_sasl_conn_s;
/* The connection's authentication state; NULL on other listeners and once
 * the connection is gone. */
struct sk_sasl_conn_s *sk_req_sasl(const sk_req_t *req);
/* Authenticated: the connection's principal becomes the SASL one. */
void sk_req_sasl_done(sk_req_t *req);
/* Refused: the answer is sent (after connection.failed.authentication.
 * delay.ms when delay) and the connection closed once it has left. */
void sk_req_sasl_failed(sk_req_t *req, int delay);
/* The answer to a bare token: a size-prefixed token, no Kafka header
 * (also sets no_response, so nothing else is sent). */
void sk_req_raw_reply(sk_req_t *req, const uint8_t *bytes, size_t len);
/* An authenticated session lasts lifetime_ms (connections.max.reauth.ms,
 * KIP-368; 0 = for ever): after that, any request but a SaslHandshake that
 * starts re-authentication closes the connection (one log line). */
void sk_req_sasl_session(sk_req_t *req, int64_t lifetime_ms);

#endif
