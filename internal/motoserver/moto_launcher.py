# Starts moto_server (moto 5.2.1) with two workarounds, for berth's local runtime.
#
# 1. Overlapping Step Functions executions.
# moto's StartExecution deep-copies the state machine, and the state machine holds a
# reference to the whole Step Functions backend — every other state machine and every
# execution, including running ones whose worker threads hold locks. The copy then fails
# with "cannot pickle '_thread.RLock' object", so once any execution exists no other can
# start. berth's lock and queue tests need overlapping executions, so the copy here skips
# the back-reference and the execution list (the copy only needs the definition).
#
# 2. CloudFront function associations. moto's DefaultCacheBehaviour sets
# FunctionAssociations and LambdaFunctionAssociations to empty whatever the request said,
# so a distribution never reads back with its router function or body signer and berth's
# verification (rightly) reports them missing. Here the behaviour keeps what was written.
#
# Nothing else in moto is changed.
import copy
import sys

from moto.stepfunctions.models import StateMachine


def _deepcopy(self, memo):
    new = self.__class__.__new__(self.__class__)
    memo[id(self)] = new
    for key, value in self.__dict__.items():
        shared = key in ("backend", "executions")
        setattr(new, key, value if shared else copy.deepcopy(value, memo))
    return new


StateMachine.__deepcopy__ = _deepcopy

from moto.cloudfront import models as cloudfront_models  # noqa: E402

_behaviour_init = cloudfront_models.DefaultCacheBehaviour.__init__


def _keep_associations(self, config):
    _behaviour_init(self, config)
    for key, attr in (("FunctionAssociations", "function_associations"),
                      ("LambdaFunctionAssociations", "lambda_function_associations")):
        if config.get(key):
            setattr(self, attr, config[key])


cloudfront_models.DefaultCacheBehaviour.__init__ = _keep_associations

from moto.server import main  # noqa: E402

sys.exit(main())
