"""Prints clinic demo's scheduling-gate changes, verified, deduplicated and in order.

Debian: apt-get install python3-pika python3-cryptography; then, with the service running (./deploy/local/run.sh):
    python3 docs/integration/gate_subscriber.py [.data/demo.json]
"""
import base64, json, sys, urllib.request
import pika
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

CLINIC = "demo"
demo = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ".data/demo.json"))

def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

def fetch_keys():
    jwks = json.load(urllib.request.urlopen(demo["baseUrl"] + "/.well-known/consent-keys.json"))
    return {k["kid"]: ec.EllipticCurvePublicNumbers(int.from_bytes(b64url(k["x"]), "big"), int.from_bytes(b64url(k["y"]), "big"),
                                                    ec.SECP256R1()).public_key() for k in jwks["keys"] if k.get("crv") == "P-256"}

keys = fetch_keys()

def verified_message(jws):
    """The signed event (the JWS payload), or an exception saying why not."""
    header, payload, signature = jws.split(".")
    fields = json.loads(b64url(header))
    if fields.get("alg") != "ES256":
        raise ValueError("not ES256")
    kid = fields.get("kid")
    if kid not in keys:
        keys.update(fetch_keys())  # keys rotate by kid: fetch again once
    sig = b64url(signature)
    keys[kid].verify(utils.encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
                     f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(b64url(payload))

seen, applied = set(), {}  # message ids; (patient, procedure) -> highest sequence

def on_message(channel, method, properties, body):
    envelope = json.loads(body)
    try:
        jws = (properties.headers or {}).get("consent-signature")
        if jws is None:
            raise ValueError("unsigned")
        message = verified_message(jws.decode() if isinstance(jws, bytes) else jws)
        if message["eventId"] != envelope["messageId"]:
            raise ValueError("signed for another message id")
    except Exception as error:
        print(f"rejected {envelope.get('messageId')}: {error!r}")
        channel.basic_nack(method.delivery_tag, requeue=False)
        return
    key = (message["patientId"], message["procedureCode"])
    if envelope["messageId"] not in seen and message["sequence"] > applied.get(key, 0):
        seen.add(envelope["messageId"])
        applied[key] = message["sequence"]
        print(f"{key[0]} {key[1]} #{message['sequence']}: allowed={message['allowed']} ({message['reason']}) consent {message['consentId']}")
    else:
        print(f"ignored {envelope['messageId']}: already applied")
    channel.basic_ack(method.delivery_tag)

channel = pika.BlockingConnection(pika.URLParameters(demo["amqpUri"])).channel()
queue = channel.queue_declare(queue="", exclusive=True).method.queue  # server-named, gone when we disconnect
channel.queue_bind(queue=queue, exchange="consent.clinic-events", routing_key=f"{CLINIC}.SchedulingGateChanged")
channel.basic_consume(queue=queue, on_message_callback=on_message)
print(f"waiting for {CLINIC}'s gate changes; Ctrl-C to stop")
channel.start_consuming()
