/* proto_controlledshutdown.h - ControlledShutdown (key 7), versions 0-3
 * (3 flexible).
 *
 * Broker -> controller before a clean stop: move leadership away from me.
 * Request: BrokerId, BrokerEpoch (v2+; ignorable: dropped below v2, decoded
 * as -1 there). Response: ErrorCode, RemainingPartitions[{TopicName,
 * PartitionIndex}] (partitions the broker still leads; retry while any).
 * v0's request comes with request header v0, which has no client id
 * (proto_hdr.c handles that, once).
 *
 * The codec is generated from common/schema/apis.schema: sk_controlled
 * shutdown_{req,resp}_t, sk_controlledshutdown_{req,resp}_{decode,encode,
 * size,free,init} and SK_CONTROLLEDSHUTDOWN_{MIN,MAX,FLEX}_VER in
 * proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_CONTROLLEDSHUTDOWN_H
#define SK_PROTO_CONTROLLEDSHUTDOWN_H

#include "proto_gen.h"

#endif
