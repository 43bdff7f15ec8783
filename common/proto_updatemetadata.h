/* proto_updatemetadata.h - UpdateMetadata (key 6), versions 0-8 (flexible
 * 6+).
 *
 * Controller -> every live broker: the cluster metadata a broker serves to
 * clients (Metadata responses): partition leaders/ISR/replicas and the live
 * brokers with their listener endpoints.
 *
 * Request: ControllerId, ControllerEpoch, BrokerEpoch (v5+), Type (v8,
 * tagged), isKRaftController (v8); partition states ungrouped, each with its
 * TopicName (UngroupedPartitionStates, v0-4), or grouped by topic
 * (TopicStates[{TopicName, TopicId (v7+), PartitionStates}], v5+);
 * OfflineReplicas v4+; LiveBrokers[{Id, V0Host and V0Port (v0 only),
 * Endpoints[{Port, Host, Listener (v3+), SecurityProtocol}] (v1+), Rack
 * (v2+)}]. Response: ErrorCode only.
 *
 * The codec is generated from common/schema/apis.schema: sk_updatemetadata_
 * {req,resp}_t, sk_updatemetadata_{req,resp}_{decode,encode,size,free,init}
 * and SK_UPDATEMETADATA_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_UPDATEMETADATA_H
#define SK_PROTO_UPDATEMETADATA_H

#include "proto_gen.h"

/* Endpoint SecurityProtocol values (Kafka's SecurityProtocol ids). */
#define SK_SECPROTO_PLAINTEXT 0
#define SK_SECPROTO_SSL 1
#define SK_SECPROTO_SASL_PLAINTEXT 2
#define SK_SECPROTO_SASL_SSL 3

#endif
