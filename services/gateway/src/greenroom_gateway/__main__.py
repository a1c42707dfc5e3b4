from greenroom_common.worker import serve

from greenroom_gateway.app import create_asgi

serve(create_asgi(), default_port=8000)
