#!/bin/sh
# capture.sh - re-capture real-client request frames with capture_stub.py.
# Usage: sh capture.sh OUTDIR [PORT]
# Runs kcat (librdkafka 2.0.2), kafka-python 2.0.2 and confluent-kafka 1.7.0
# against the stub; every request frame lands in OUTDIR as
# <tag>_<seq>_k<apikey>v<version>.bin. Pick the frames for check_proto_real.c
# from there (the committed ones are named <client>_<api>_v<ver>.bin).
set -eu
out=$1
port=${2:-19092}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
b=127.0.0.1:$port
mkdir -p "$out"
$py "$here/capture_stub.py" --port "$port" --out "$out" 2>"$out/stub.log" &
stub=$!
trap 'kill $stub 2>/dev/null' EXIT
# wait until the stub listens (poll with a deadline)
i=0
until $py -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "stub did not start" >&2; exit 1; }
    sleep 0.1
done
rm -f "$out"/*.bin
tag() { echo "$1" > "$out/TAG"; }

tag kcatL;  kcat -b $b -L >/dev/null
tag kcatP;  printf 'hello-skein\n' | kcat -b $b -P -t t -k key1 -H hk=hv
tag kcatC;  kcat -b $b -C -t t -o beginning -c 1 -e -q >/dev/null
tag kpyP;   $py -c "
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='$b')
p.send('t', key=b'kpk', value=b'kpv', headers=[('kh', b'khv')]).get(timeout=10)
p.close()"
tag kpyC;   $py -c "
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers='$b', auto_offset_reset='earliest', consumer_timeout_ms=3000)
c.assign([TopicPartition('t', 0)])
for m in c:
    break
c.close()"
tag kpyA;   $py -c "
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers='$b')
a.create_topics([NewTopic('newt', 3, 1, topic_configs={'cleanup.policy': 'compact'})])
a.close()"
tag ckA;    $py -c "
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({'bootstrap.servers': '$b'})
f = a.create_topics([NewTopic('newc', 2, 1, config={'retention.ms': '1000'})], validate_only=True)
for t, fu in f.items():
    fu.result(10)"
ls "$out"
