/* proto_metadata.h - Metadata (key 3), versions 0-12 (flexible 9+).
 *
 * The codec is generated from common/schema/apis.schema: sk_metadata_
 * {req,resp}_t and sk_metadata_{req,resp}_{decode,encode,size,free,init} in
 * proto_gen.h. Version differences: Rack, IsInternal, ControllerId v1+;
 * ClusterId v2+; ThrottleTimeMs v3+; AllowAutoTopicCreation v4+ (true
 * below); OfflineReplicas v5+; LeaderEpoch v7+; authorized operations v8+
 * (the cluster's only to v10); TopicId v10+, when a request may name a topic
 * by id alone (null Name); a response topic Name may be null from v12.
 *
 * The one quirk the schema cannot say: which topics a request asks for.
 * @locality any
 */
#ifndef SK_PROTO_METADATA_H
#define SK_PROTO_METADATA_H

#include "proto_gen.h"

/* Does the request ask for every topic? v0: an empty array means all (v0
 * has no null); v1+: a null array means all and an empty one none. */
static inline int sk_metadata_req_all_topics(int16_t version, const sk_metadata_req_t *req)
{
    return req->TopicsCnt < 0 || (version == 0 && req->TopicsCnt == 0);
}

#endif
