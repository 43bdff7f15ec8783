/* sockread.h - reading a frame's bytes from a plain TCP socket in large reads.
 *
 * libevent 2.1 reads a bufferevent's socket at most 4 KiB at a time: one
 * readable event, one FIONREAD ioctl and one readv for each 4 KiB, so a
 * 1 MB Produce request or Fetch response took 256 turns of the event loop
 * (issue 14 part 2 counted ~74,000 readv, as many ioctl and ~60,000
 * epoll_wait per broker for 300 MB of RF 3 acks=all traffic). The readers
 * of frames (net.c, channel.c) call sk_sockread_fill() when a frame is
 * still incomplete: it reads the rest of that frame straight into the
 * bufferevent's input, in as few reads as the socket allows.
 */
#ifndef SK_NET_SOCKREAD_H
#define SK_NET_SOCKREAD_H

#include <stddef.h>
#include <sys/types.h>

struct bufferevent;

/* Reads from bev's socket into its input buffer until the input holds
 * `want` bytes, the socket has nothing more to give right now, or a read
 * fails (EOF and errors are left for libevent's own next read to report).
 * Never reads past `want`, and reserves at most SK_SOCKREAD_CHUNK bytes of
 * buffer beyond what has arrived. Plain TCP bufferevents only (not TLS).
 * Returns the number of bytes read (0 if none). */
ssize_t sk_sockread_fill(struct bufferevent *bev, size_t want);

#define SK_SOCKREAD_CHUNK (256u * 1024)

#endif
