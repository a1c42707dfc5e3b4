from greenroom_common.worker import serve

from greenroom_gateway.app import create_app

serve(create_app(), default_port=8000)
