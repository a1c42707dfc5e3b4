"""Greenroom's vision service: an answer's video in, on-camera measurements out.

``video`` samples the upload's frames with ffmpeg as they are measured; ``frames`` reads
stored pictures of any size; ``landmarks`` runs MediaPipe's face detection, mesh and
iris models on ONNX Runtime; ``faces`` (the core) adds deepface's expression model and turns
each frame into readings; ``measures`` turns readings into the per-frame timeline, the
per-answer summary and the moments worth pointing at; ``service`` consumes
``answers.ingested``, stores a ``VisionDoc`` and emits ``answers.observed``. ``build_models``
is set-up only. The service never infers age, gender, race or identity.
"""
