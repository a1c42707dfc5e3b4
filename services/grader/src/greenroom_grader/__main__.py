from greenroom_common.worker import serve

from greenroom_grader.service import app

serve(app, default_port=8104)
