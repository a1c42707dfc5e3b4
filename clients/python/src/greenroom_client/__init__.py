"""Greenroom's gRPC API (``greenroom.v1``) for hiring teams, with a small convenience client.

The generated messages and stubs are in ``greenroom.v1.interview_pb2`` and
``greenroom.v1.interview_pb2_grpc``; :class:`Client` wraps the common calls.
"""

from greenroom_client.client import Client

__all__ = ["Client"]
