/* proto_deletetopics.h - DeleteTopics (key 20), versions 0-6 (flexible 4+).
 *
 * Request: TopicNames[] (v0-5), or Topics[{Name (nullable), TopicId}] (v6:
 * by name or by id), TimeoutMs. Response: ThrottleTimeMs (v1+),
 * Responses[{Name (null in v6 for a topic asked by an unknown id), TopicId
 * (v6), ErrorCode, ErrorMessage (v5+)}]. kafka-python sends v3, librdkafka
 * 2.0.2 v1.
 *
 * The codec is generated from common/schema/apis.schema: sk_deletetopics_
 * {req,resp}_t, sk_deletetopics_{req,resp}_{decode,encode,size,free,init}
 * and SK_DELETETOPICS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_DELETETOPICS_H
#define SK_PROTO_DELETETOPICS_H

#include "proto_gen.h"

#endif
