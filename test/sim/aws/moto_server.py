"""Start moto's threaded server on 127.0.0.1 (random port), print the port, stop when stdin closes.

Used by moto-parity.test.ts: the test owns this process and closes stdin to stop it.
"""
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
