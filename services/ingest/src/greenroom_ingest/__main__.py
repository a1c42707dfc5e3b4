from greenroom_common.worker import serve

from greenroom_ingest.service import app

serve(app, default_port=8101)
