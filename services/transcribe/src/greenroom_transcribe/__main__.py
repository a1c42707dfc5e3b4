from greenroom_common.worker import serve

from greenroom_transcribe.service import app

serve(app, default_port=8102)
