/* proto_listoffsets.h - ListOffsets (key 2), versions 0-8 (flexible 6+).
 *
 * The codec is generated from common/schema/apis.schema: sk_listoffsets_
 * {req,resp}_t and sk_listoffsets_{req,resp}_{decode,encode,size,free,init}
 * in proto_gen.h. Version differences on the wire: v0 carries MaxNumOffsets
 * in the request and the OldStyleOffsets array instead of Timestamp/Offset in
 * the response (decoded as -1 / 1 / empty where absent); IsolationLevel v2+
 * (0 = read_uncommitted, 1 = read_committed); CurrentLeaderEpoch and
 * LeaderEpoch v4+.
 * @locality any
 */
#ifndef SK_PROTO_LISTOFFSETS_H
#define SK_PROTO_LISTOFFSETS_H

#include "proto_gen.h"

/* Special Timestamp values of a partition request. */
#define SK_LISTOFFSETS_LATEST (-1)         /* the log end (high watermark for consumers) */
#define SK_LISTOFFSETS_EARLIEST (-2)       /* the log start */
#define SK_LISTOFFSETS_MAX_TIMESTAMP (-3)  /* the record with the largest timestamp (v7+) */
#define SK_LISTOFFSETS_EARLIEST_LOCAL (-4) /* the local log start (v8+; = log start here) */

#endif
