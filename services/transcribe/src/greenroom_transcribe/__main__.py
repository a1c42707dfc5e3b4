from greenroom_common.worker import serve

from greenroom_transcribe.service import create_app

serve(create_app(), default_port=8102)
