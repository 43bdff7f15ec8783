/* proto_createtopics.h - CreateTopics (key 19), versions 0-7 (flexible 5+).
 *
 * Request: Topics[{Name, NumPartitions, ReplicationFactor (-1 = broker
 * default, v4+), Assignments (non-empty: the replicas explicitly, then both
 * counts are -1), Configs[{Name, Value}]}], timeoutMs, validateOnly (v1+).
 * Response: ThrottleTimeMs (v2+), Topics[{Name, TopicId (v7), ErrorCode,
 * ErrorMessage (v1+), TopicConfigErrorCode (v5+, tagged), NumPartitions,
 * ReplicationFactor and Configs[{Name, Value, ReadOnly, ConfigSource,
 * IsSensitive}] (v5+: the created topic's, as DescribeConfigs shows them)}].
 *
 * The codec is generated from common/schema/apis.schema: sk_createtopics_
 * {req,resp}_t, sk_createtopics_{req,resp}_{decode,encode,size,free,init}
 * and SK_CREATETOPICS_{MIN,MAX,FLEX}_VER in proto_gen.h (the request's
 * timeoutMs and validateOnly keep Kafka's lower-case names).
 * @locality any
 */
#ifndef SK_PROTO_CREATETOPICS_H
#define SK_PROTO_CREATETOPICS_H

#include "proto_gen.h"

/* The nested structs under their shorter names. */
typedef sk_createtopics_req_topic_t sk_createtopics_topic_t;
typedef sk_createtopics_req_assignment_t sk_createtopics_assignment_t;
typedef sk_createtopics_req_config_t sk_createtopics_config_t;
typedef sk_createtopics_resp_topic_t sk_createtopics_result_t;

#endif
