# Starts moto_server (moto 5.2.1) with seven workarounds, for berth's local runtime.
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
# 3. Signature checks of bodiless REST requests (IAM enforcement only). To check a SigV4
# signature moto re-signs the request with `self._body or self._data`; for a GET/HEAD/
# DELETE without a body some services (CloudFront) hand it the parsed headers as data, so
# the payload hash differs from the empty body the client signed and every such call fails
# with SignatureDoesNotMatch. A request without a body is re-signed with an empty body, as
# SigV4 defines (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html:
# the hashed payload of an empty body is the hash of the empty string). Likewise moto
# re-signs with the URL-decoded path and query, while the canonical URI and query string are
# built from them as sent (same page): a Lambda call by ARN (/functions/arn%3Aaws%3A...) or
# CloudFront's ListTagsForResource (?Resource=arn%3A...) always failed. The check here uses
# the request line as sent.
#
# 4. Denials a JSON client can read. moto answers every denied call in the query
# protocol's XML, which the SDK of a JSON service (Lambda, DynamoDB, ECS...) cannot decode,
# so the error lost its code and message. For JSON services the denial here is
# AccessDeniedException in JSON, the error type those APIs list in their common errors
# (https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html), with IAM's message
# ("User: <arn> is not authorized to perform: <action>", as quoted in
# https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html).
#
# 5. CloudFront VPC origins on a distribution's origin. moto's Origin keeps only S3 and
# custom origin configs, so an origin written with VpcOriginConfig (how a distribution
# reaches an internal ALB through a VPC origin: Origin.VpcOriginConfig in the CloudFront
# API reference, https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Origin.html)
# read back as neither, and berth's verification (rightly) reported it changed. Here the
# origin keeps it. The VPC origins themselves are served by berth's CloudFront fake.
#
# 6. Re-creating a deleted Route 53 record. moto refuses a CREATE identical to one in the
# zone's change history whenever any record sorts at or after it, even when that record
# was deleted since, so a record created, rolled back and created again failed with
# "already exists". Route 53 refuses a CREATE only when a record with the same name and
# type exists (https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html,
# CREATE). Here a CREATE of a record that does not exist forgets the stale history entry.
#
# 7. Certificates of deleted listeners. moto adds an ELBv2 listener to its certificate's
# InUseBy when the listener is created, and never removes it, so the certificate of a
# deleted HTTPS listener stays "in use" and can never be deleted. ACM lists only the
# resources that use a certificate now, and one can be deleted once its associations are
# gone ("Delete certificates", ACM User Guide,
# https://docs.aws.amazon.com/acm/latest/userguide/gs-acm-delete.html). Here deleting a
# listener, or the load balancer holding it, releases its certificates.
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

_origin_init = cloudfront_models.Origin.__init__


def _keep_vpc_origin(self, origin):
    _origin_init(self, origin)
    if origin.get("VpcOriginConfig"):
        self.vpc_origin_config = origin["VpcOriginConfig"]


cloudfront_models.Origin.__init__ = _keep_vpc_origin

from moto.route53 import models as route53_models  # noqa: E402

_change_records = route53_models.Route53Backend.change_resource_record_sets


def _create_only_over_nothing(self, zoneid, change_list):
    zone = self.get_hosted_zone(zoneid)
    for value in change_list:
        if value["Action"] != "CREATE":
            continue
        rr = value["ResourceRecordSet"]
        name, typ = rr["Name"].strip(".").lower(), rr["Type"]
        if not any(r.name.strip(".").lower() == name and r.type == typ for r in zone.rrsets):
            while value in zone.rr_changes:
                zone.rr_changes.remove(value)
    return _change_records(self, zoneid, change_list)


route53_models.Route53Backend.change_resource_record_sets = _create_only_over_nothing

from moto.elbv2 import models as elbv2_models  # noqa: E402

_delete_listener = elbv2_models.ELBv2Backend.delete_listener
_delete_load_balancer = elbv2_models.ELBv2Backend.delete_load_balancer


def _release_certificates(backend, listeners):
    from moto.acm.models import acm_backends

    certs = acm_backends[backend.account_id][backend.region_name]._certificates
    for listener in listeners:
        for arn in listener.certificates or []:
            cert = certs.get(arn)
            if cert is not None and listener.arn in cert.in_use_by:
                cert.in_use_by.remove(listener.arn)


def _delete_listener_releasing(self, listener_arn):
    listener = _delete_listener(self, listener_arn)
    _release_certificates(self, [listener])
    return listener


def _delete_load_balancer_releasing(self, arn):
    lb = self.load_balancers.get(arn)
    listeners = list(lb.listeners.values()) if lb is not None else []
    out = _delete_load_balancer(self, arn)
    _release_certificates(self, listeners)
    return out


elbv2_models.ELBv2Backend.delete_listener = _delete_listener_releasing
elbv2_models.ELBv2Backend.delete_load_balancer = _delete_load_balancer_releasing

from moto.iam import access_control  # noqa: E402

_create_aws_request = access_control.IAMRequestBase._create_aws_request


def _bodiless_signed_empty(self):
    request = _create_aws_request(self)
    if not self._body and self._method in ("GET", "HEAD", "DELETE"):
        request.data = b""
    return request


access_control.IAMRequestBase._create_aws_request = _bodiless_signed_empty

from urllib.parse import urlparse  # noqa: E402

from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.core.exceptions import AccessDeniedError, JsonRESTError  # noqa: E402
from moto.core.responses import BaseResponse, get_service_model  # noqa: E402

_setup_class = BaseResponse.setup_class


def _keep_raw_uri(self, request, *args, **kwargs):
    environ = getattr(request, "environ", None) or {}
    self._berth_raw_uri = environ.get("RAW_URI")
    return _setup_class(self, request, *args, **kwargs)


BaseResponse.setup_class = _keep_raw_uri

_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authorize_as_sent(self, iam_request_cls, resource="*"):
    raw = getattr(self, "_berth_raw_uri", None)
    uri = self.uri
    if raw:
        sent = urlparse(raw)
        self.uri = urlparse(uri)._replace(path=sent.path, query=sent.query).geturl()
    try:
        return _authorize(self, iam_request_cls, resource)
    except AccessDeniedError as denied:
        if _json_protocol(self):
            raise JsonRESTError("AccessDeniedException", denied.message) from denied
        raise
    finally:
        self.uri = uri


def _json_protocol(response):
    try:
        protocol = get_service_model(response.boto3_service_name).metadata.get("protocol")
    except Exception:  # a service botocore does not model: keep moto's answer
        return False
    return protocol in ("json", "rest-json")


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize_as_sent

from moto.server import main  # noqa: E402

sys.exit(main())
