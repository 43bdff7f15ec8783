/* proto_initproducerid.h - InitProducerId (key 22), versions 0-4 (flexible
 * from v2).
 *
 * Producer -> any broker (idempotent producer, null TransactionalId) or the
 * transaction coordinator (transactional producer): "give me a producer id
 * and epoch". Request: TransactionalId (nullable), TransactionTimeoutMs,
 * ProducerId and ProducerEpoch (v3+, default -1: the id/epoch the producer
 * has, when it re-initialises). Response: ThrottleTimeMs, ErrorCode,
 * ProducerId, ProducerEpoch.
 *
 * The codec is generated from common/schema/apis.schema: sk_initproducerid_
 * {req,resp}_t, sk_initproducerid_{req,resp}_{decode,encode,size,free,init}
 * and SK_INITPRODUCERID_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_INITPRODUCERID_H
#define SK_PROTO_INITPRODUCERID_H

#include "proto_gen.h"

#endif
