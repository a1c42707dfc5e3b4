import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AnswerMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANSWER_MODE_UNSPECIFIED: _ClassVar[AnswerMode]
    ANSWER_MODE_VIDEO: _ClassVar[AnswerMode]
    ANSWER_MODE_AUDIO: _ClassVar[AnswerMode]
    ANSWER_MODE_TEXT: _ClassVar[AnswerMode]
    ANSWER_MODE_CODE: _ClassVar[AnswerMode]

class AnswerStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANSWER_STATUS_UNSPECIFIED: _ClassVar[AnswerStatus]
    ANSWER_STATUS_QUEUED: _ClassVar[AnswerStatus]
    ANSWER_STATUS_PROCESSING: _ClassVar[AnswerStatus]
    ANSWER_STATUS_GRADED: _ClassVar[AnswerStatus]
    ANSWER_STATUS_FAILED: _ClassVar[AnswerStatus]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_SUBMITTED: _ClassVar[Stage]
    STAGE_INGESTED: _ClassVar[Stage]
    STAGE_TRANSCRIBED: _ClassVar[Stage]
    STAGE_OBSERVED: _ClassVar[Stage]
    STAGE_GRADED: _ClassVar[Stage]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_PASS: _ClassVar[Verdict]
    VERDICT_FAIL: _ClassVar[Verdict]

class Dimension(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIMENSION_UNSPECIFIED: _ClassVar[Dimension]
    DIMENSION_CONTENT: _ClassVar[Dimension]
    DIMENSION_STRUCTURE: _ClassVar[Dimension]
    DIMENSION_CLARITY: _ClassVar[Dimension]
    DIMENSION_DELIVERY: _ClassVar[Dimension]
    DIMENSION_CONFIDENCE: _ClassVar[Dimension]
    DIMENSION_CORRECTNESS: _ClassVar[Dimension]
    DIMENSION_COMPLEXITY: _ClassVar[Dimension]
    DIMENSION_PYTHONIC: _ClassVar[Dimension]
    DIMENSION_PRESENCE: _ClassVar[Dimension]

class SessionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATE_UNSPECIFIED: _ClassVar[SessionState]
    SESSION_STATE_IN_PROGRESS: _ClassVar[SessionState]
    SESSION_STATE_COMPLETED: _ClassVar[SessionState]
ANSWER_MODE_UNSPECIFIED: AnswerMode
ANSWER_MODE_VIDEO: AnswerMode
ANSWER_MODE_AUDIO: AnswerMode
ANSWER_MODE_TEXT: AnswerMode
ANSWER_MODE_CODE: AnswerMode
ANSWER_STATUS_UNSPECIFIED: AnswerStatus
ANSWER_STATUS_QUEUED: AnswerStatus
ANSWER_STATUS_PROCESSING: AnswerStatus
ANSWER_STATUS_GRADED: AnswerStatus
ANSWER_STATUS_FAILED: AnswerStatus
STAGE_UNSPECIFIED: Stage
STAGE_SUBMITTED: Stage
STAGE_INGESTED: Stage
STAGE_TRANSCRIBED: Stage
STAGE_OBSERVED: Stage
STAGE_GRADED: Stage
VERDICT_UNSPECIFIED: Verdict
VERDICT_PASS: Verdict
VERDICT_FAIL: Verdict
DIMENSION_UNSPECIFIED: Dimension
DIMENSION_CONTENT: Dimension
DIMENSION_STRUCTURE: Dimension
DIMENSION_CLARITY: Dimension
DIMENSION_DELIVERY: Dimension
DIMENSION_CONFIDENCE: Dimension
DIMENSION_CORRECTNESS: Dimension
DIMENSION_COMPLEXITY: Dimension
DIMENSION_PYTHONIC: Dimension
DIMENSION_PRESENCE: Dimension
SESSION_STATE_UNSPECIFIED: SessionState
SESSION_STATE_IN_PROGRESS: SessionState
SESSION_STATE_COMPLETED: SessionState

class Question(_message.Message):
    __slots__ = ("name", "question_id", "round", "category", "prompt", "answer_modes", "time_limit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_MODES_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    question_id: str
    round: str
    category: str
    prompt: str
    answer_modes: _containers.RepeatedScalarFieldContainer[AnswerMode]
    time_limit: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., question_id: _Optional[str] = ..., round: _Optional[str] = ..., category: _Optional[str] = ..., prompt: _Optional[str] = ..., answer_modes: _Optional[_Iterable[_Union[AnswerMode, str]]] = ..., time_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ListQuestionsRequest(_message.Message):
    __slots__ = ("round", "page_size", "page_token")
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    round: str
    page_size: int
    page_token: str
    def __init__(self, round: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListQuestionsResponse(_message.Message):
    __slots__ = ("questions", "next_page_token")
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    next_page_token: str
    def __init__(self, questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("round", "questions", "candidate_ref", "follow_ups")
    ROUND_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_REF_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    round: RoundSelection
    questions: QuestionList
    candidate_ref: str
    follow_ups: bool
    def __init__(self, round: _Optional[_Union[RoundSelection, _Mapping]] = ..., questions: _Optional[_Union[QuestionList, _Mapping]] = ..., candidate_ref: _Optional[str] = ..., follow_ups: _Optional[bool] = ...) -> None: ...

class RoundSelection(_message.Message):
    __slots__ = ("round", "count")
    ROUND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    round: str
    count: int
    def __init__(self, round: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class QuestionList(_message.Message):
    __slots__ = ("question_ids",)
    QUESTION_IDS_FIELD_NUMBER: _ClassVar[int]
    question_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, question_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("name", "session_id", "token", "candidate_ref", "questions", "answers", "state", "result", "create_time", "complete_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_REF_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    session_id: str
    token: str
    candidate_ref: str
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    answers: _containers.RepeatedCompositeFieldContainer[Answer]
    state: SessionState
    result: SessionResult
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., session_id: _Optional[str] = ..., token: _Optional[str] = ..., candidate_ref: _Optional[str] = ..., questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., answers: _Optional[_Iterable[_Union[Answer, _Mapping]]] = ..., state: _Optional[_Union[SessionState, str]] = ..., result: _Optional[_Union[SessionResult, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionResult(_message.Message):
    __slots__ = ("verdict", "overall_score", "answers_passed", "answers_total", "rule", "borderline_question_ids")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    OVERALL_SCORE_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_PASSED_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    BORDERLINE_QUESTION_IDS_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    overall_score: float
    answers_passed: int
    answers_total: int
    rule: str
    borderline_question_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, verdict: _Optional[_Union[Verdict, str]] = ..., overall_score: _Optional[float] = ..., answers_passed: _Optional[int] = ..., answers_total: _Optional[int] = ..., rule: _Optional[str] = ..., borderline_question_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchSessionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UploadAnswerRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: AnswerMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[AnswerMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class AnswerMetadata(_message.Message):
    __slots__ = ("session", "question_id", "mode", "content_type", "filename", "sha256", "text", "code", "follow_up_of", "editor_events")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_OF_FIELD_NUMBER: _ClassVar[int]
    EDITOR_EVENTS_FIELD_NUMBER: _ClassVar[int]
    session: str
    question_id: str
    mode: AnswerMode
    content_type: str
    filename: str
    sha256: str
    text: str
    code: str
    follow_up_of: str
    editor_events: _containers.RepeatedCompositeFieldContainer[EditorEvent]
    def __init__(self, session: _Optional[str] = ..., question_id: _Optional[str] = ..., mode: _Optional[_Union[AnswerMode, str]] = ..., content_type: _Optional[str] = ..., filename: _Optional[str] = ..., sha256: _Optional[str] = ..., text: _Optional[str] = ..., code: _Optional[str] = ..., follow_up_of: _Optional[str] = ..., editor_events: _Optional[_Iterable[_Union[EditorEvent, _Mapping]]] = ...) -> None: ...

class EditorEvent(_message.Message):
    __slots__ = ("kind", "at", "chars", "lines", "from_page", "away")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[EditorEvent.Kind]
        KIND_PASTE: _ClassVar[EditorEvent.Kind]
        KIND_LEFT_PAGE: _ClassVar[EditorEvent.Kind]
    KIND_UNSPECIFIED: EditorEvent.Kind
    KIND_PASTE: EditorEvent.Kind
    KIND_LEFT_PAGE: EditorEvent.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CHARS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    FROM_PAGE_FIELD_NUMBER: _ClassVar[int]
    AWAY_FIELD_NUMBER: _ClassVar[int]
    kind: EditorEvent.Kind
    at: _duration_pb2.Duration
    chars: int
    lines: int
    from_page: bool
    away: _duration_pb2.Duration
    def __init__(self, kind: _Optional[_Union[EditorEvent.Kind, str]] = ..., at: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., chars: _Optional[int] = ..., lines: _Optional[int] = ..., from_page: _Optional[bool] = ..., away: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("name", "answer_id", "question_id", "mode", "status", "stages_done", "result", "error", "create_time", "update_time", "transcript", "observations")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ANSWER_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGES_DONE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    answer_id: str
    question_id: str
    mode: AnswerMode
    status: AnswerStatus
    stages_done: _containers.RepeatedScalarFieldContainer[Stage]
    result: AnswerResult
    error: AnswerError
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    transcript: str
    observations: _containers.RepeatedCompositeFieldContainer[Observation]
    def __init__(self, name: _Optional[str] = ..., answer_id: _Optional[str] = ..., question_id: _Optional[str] = ..., mode: _Optional[_Union[AnswerMode, str]] = ..., status: _Optional[_Union[AnswerStatus, str]] = ..., stages_done: _Optional[_Iterable[_Union[Stage, str]]] = ..., result: _Optional[_Union[AnswerResult, _Mapping]] = ..., error: _Optional[_Union[AnswerError, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transcript: _Optional[str] = ..., observations: _Optional[_Iterable[_Union[Observation, _Mapping]]] = ...) -> None: ...

class Observation(_message.Message):
    __slots__ = ("kind", "start_offset", "end_offset", "figure", "note")
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    FIGURE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    start_offset: _duration_pb2.Duration
    end_offset: _duration_pb2.Duration
    figure: str
    note: str
    def __init__(self, kind: _Optional[str] = ..., start_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., end_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., figure: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AnswerError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class AnswerResult(_message.Message):
    __slots__ = ("verdict", "overall_score", "dimensions", "strengths", "improvements", "rule", "margin", "borderline", "tipping", "follow_up", "follows", "lifted")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    OVERALL_SCORE_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    STRENGTHS_FIELD_NUMBER: _ClassVar[int]
    IMPROVEMENTS_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    BORDERLINE_FIELD_NUMBER: _ClassVar[int]
    TIPPING_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_FIELD_NUMBER: _ClassVar[int]
    FOLLOWS_FIELD_NUMBER: _ClassVar[int]
    LIFTED_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    overall_score: float
    dimensions: _containers.RepeatedCompositeFieldContainer[DimensionScore]
    strengths: _containers.RepeatedScalarFieldContainer[str]
    improvements: _containers.RepeatedScalarFieldContainer[str]
    rule: str
    margin: float
    borderline: bool
    tipping: _containers.RepeatedScalarFieldContainer[str]
    follow_up: FollowUp
    follows: str
    lifted: bool
    def __init__(self, verdict: _Optional[_Union[Verdict, str]] = ..., overall_score: _Optional[float] = ..., dimensions: _Optional[_Iterable[_Union[DimensionScore, _Mapping]]] = ..., strengths: _Optional[_Iterable[str]] = ..., improvements: _Optional[_Iterable[str]] = ..., rule: _Optional[str] = ..., margin: _Optional[float] = ..., borderline: _Optional[bool] = ..., tipping: _Optional[_Iterable[str]] = ..., follow_up: _Optional[_Union[FollowUp, _Mapping]] = ..., follows: _Optional[str] = ..., lifted: _Optional[bool] = ...) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ("kind", "target", "question", "reason", "time_limit_s")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    kind: str
    target: str
    question: str
    reason: str
    time_limit_s: int
    def __init__(self, kind: _Optional[str] = ..., target: _Optional[str] = ..., question: _Optional[str] = ..., reason: _Optional[str] = ..., time_limit_s: _Optional[int] = ...) -> None: ...

class DimensionScore(_message.Message):
    __slots__ = ("dimension", "score", "evidence", "name")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    dimension: Dimension
    score: float
    evidence: _containers.RepeatedScalarFieldContainer[str]
    name: str
    def __init__(self, dimension: _Optional[_Union[Dimension, str]] = ..., score: _Optional[float] = ..., evidence: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ...) -> None: ...

class GetAnswerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SessionEvent(_message.Message):
    __slots__ = ("session", "event_time", "snapshot", "stage_reached", "answer_finished", "session_completed")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    STAGE_REACHED_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FINISHED_FIELD_NUMBER: _ClassVar[int]
    SESSION_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    session: str
    event_time: _timestamp_pb2.Timestamp
    snapshot: Session
    stage_reached: StageReached
    answer_finished: Answer
    session_completed: Session
    def __init__(self, session: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot: _Optional[_Union[Session, _Mapping]] = ..., stage_reached: _Optional[_Union[StageReached, _Mapping]] = ..., answer_finished: _Optional[_Union[Answer, _Mapping]] = ..., session_completed: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class StageReached(_message.Message):
    __slots__ = ("answer", "stage")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    answer: str
    stage: Stage
    def __init__(self, answer: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ...) -> None: ...
