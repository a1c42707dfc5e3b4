from greenroom_common.worker import serve

from greenroom_vision.service import app

serve(app, default_port=8103)
