"""Emulator extension: starts moto_server with API Gateway behaviours that AWS documents and
moto 5.2 lacks or answers more kindly than AWS, so gatecheck's tests and demo meet AWS's wire
shapes (botocore's apigateway service model is the reference):

1. CreateDeployment freezes the API's methods; GetDeployment returns them as `apiSummary`
   ({path: {verb: {authorizationType, apiKeyRequired}}}), and only when asked with
   `embed=apisummary`, as AWS does.
2. GetResources embeds whole methods only with `embed=methods`; without it each resource's
   `resourceMethods` names its verbs with empty objects, as AWS answers.
3. UpdateMethod applies `replace` on /apiKeyRequired, /authorizationType and /authorizerId.
4. Private custom domain names (endpoint type PRIVATE) get a `domainNameId` and
   `domainNameArn`; GetDomainName and GetBasePathMappings of a private domain answer
   NotFoundException unless the request names that `domainNameId`.
5. ImportRestApi / PutRestApi apply what an OpenAPI definition says of API keys: a method
   whose `security` names an apiKey scheme on the `x-api-key` header requires a key, and
   `x-amazon-apigateway-api-key-source` sets the key source, and
   `x-amazon-apigateway-gateway-responses` the gateway responses; `info.description` is
   optional, and so are a MOCK integration's `uri` and `httpMethod`.

6. Stages carry `canarySettings` ({deploymentId, percentTraffic, useStageCache}): UpdateStage
   applies `replace` on /canarySettings/deploymentId and /canarySettings/percentTraffic and
   `remove` on /canarySettings; GetStage and GetStages return them.
7. CreateDomainName keeps `mutualTlsAuthentication` ({truststoreUri, truststoreVersion}) and
   GetDomainName(s) return it, with `truststoreWarnings` empty: the emulator does not read the
   truststore, so it never has a warning to report. It keeps a private domain's `policy` and a
   domain's `routingMode` too.
8. Domain name access associations: CreateDomainNameAccessAssociation and
   GetDomainNameAccessAssociations (`/domainnameaccessassociations`), which moto lacks.
9. API Gateway v2 routing rules of a custom domain: CreateRoutingRule and ListRoutingRules
   (`/v2/domainnames/{domainName}/routingrules`), which moto lacks.

10. CloudTrail's event history: every API Gateway and WAFv2 call that changes something is
   recorded as a management event (`eventSource`, `eventName`, `readOnly: false`,
   `requestParameters` with the ids in the request's path and its JSON body, `responseElements`
   with a created object's `id`), and LookupEvents answers from that history in CloudTrail's
   wire shape (`Events[].CloudTrailEvent` is the record as a JSON string; pages of at most 50;
   one lookup attribute: ReadOnly, EventSource or EventName), which moto lacks. The records
   are shaped as AWS's: API Gateway's `requestParameters` hold the request path's ids and its
   body, TagResource and UntagResource name the resource by `resourceArn`, and API Gateway
   v2's calls (routing rules) are recorded under `apigateway.amazonaws.com` too; WAFv2's hold
   its JSON request with each key's first letter lowered (`name`, `scope`, `id`,
   `resourceArn`, `webACLArn`), as the example entries of the AWS WAF Developer Guide's
   "Logging API calls with AWS CloudTrail" show. A request with more than one lookup
   attribute is refused with a 400 InvalidLookupAttributesException, as CloudTrail does.
    `POST /moto-api/cloudtrail/age?seconds=N&region=R` moves a region's history N seconds
    into the past, so that a test can put changes before an audit's look-back.
    `POST /moto-api/cloudtrail/other-writes?count=N&account=A&region=R` records N write
    events of other services (EC2, S3, Lambda, DynamoDB, SNS), as a busy account's history
    holds them between API Gateway's.
11. Security Hub's BatchUpdateFindings (`PATCH /findings/batchupdate`): sets `Workflow` and
    `Note` on imported findings, answering `ProcessedFindings` and `UnprocessedFindings`,
    which moto lacks.

12. REST APIs carry `securityPolicy` and `endpointAccessMode` (STRICT or BASIC): UpdateRestApi
    applies `replace` on /securityPolicy and /endpointAccessMode, an OpenAPI import or put
    applies `x-amazon-apigateway-security-policy` and `x-amazon-apigateway-endpoint-access-mode`,
    and GetRestApi(s) return them.

13. CloudFront origin request policies: CreateOriginRequestPolicy and GetOriginRequestPolicy
    (`/2020-05-31/origin-request-policy`), which moto lacks, with AWS's managed policies
    (Managed-AllViewer, Managed-AllViewerExceptHostHeader and the others) under their fixed
    ids and header settings, as the CloudFront Developer Guide's "Use managed origin request
    policies" lists them; an unknown id answers 404 NoSuchOriginRequestPolicy.

moto itself already answers an empty mapping template as JSON null inside
`responseTemplates`, as AWS does for console-made integrations.

Usage: python moto_ext.py [moto_server arguments]
"""
import datetime
import json
import re
import sys
import uuid

from moto.apigateway import exceptions, models, responses, urls
from moto.apigatewayv2 import responses as v2_responses
from moto.cloudfront import exceptions as cloudfront_exceptions
from moto.cloudfront import responses as cloudfront_responses
from moto.cloudfront import urls as cloudfront_urls
from moto.cloudtrail import responses as cloudtrail_responses
from moto.core import responses as core_responses
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import urls as moto_api_urls
from moto.securityhub import responses as securityhub_responses
from moto.securityhub import urls as securityhub_urls
from moto.moto_api._internal import mock_random
from moto.server import main

_create_deployment = models.RestAPI.create_deployment
_create_domain_name = models.APIGatewayBackend.create_domain_name
_domain_to_json = models.DomainName.to_json
_get_base_path_mappings = responses.APIGatewayResponse.get_base_path_mappings
_get_domain_name = responses.APIGatewayResponse.get_domain_name
_create_domain_name_response = responses.APIGatewayResponse.create_domain_name
_import_rest_api = models.APIGatewayBackend.import_rest_api
_put_rest_api = models.APIGatewayBackend.put_rest_api
_put_integration = models.APIGatewayBackend.put_integration
_stage_apply_operations = models.Stage.apply_operations
_rest_api_apply_patch_operations = models.RestAPI.apply_patch_operations
_rest_api_to_dict = models.RestAPI.to_dict
_stage_to_json = models.Stage.to_json


def create_deployment(self, name, description="", stage_variables=None):
    deployment = _create_deployment(self, name, description, stage_variables)
    deployment.api_summary = {
        resource.get_path(): {
            verb: {
                "authorizationType": method.authorization_type or "NONE",
                "apiKeyRequired": bool(method.api_key_required),
            }
            for verb, method in resource.resource_methods.items()
        }
        for resource in self.resources.values()
        if resource.resource_methods
    }
    return deployment


def embeds(handler, what):
    """Whether the request's `embed` query parameter names `what`."""
    values = handler.querystring.get("embed", [])
    return any(what in v.split(",") for v in values)


def get_deployment(self):
    parts = self.path.split("/")
    deployment = self.backend.get_deployment(parts[2], parts[4])
    data = deployment.to_json()
    summary = getattr(deployment, "api_summary", None)
    if summary is not None and embeds(self, "apisummary"):
        data["apiSummary"] = summary
    return json.dumps(data)


def get_resources(self):
    function_id = self.path.replace("/restapis/", "", 1).split("/")[0]
    items = []
    for resource in self.backend.get_resources(function_id):
        data = resource.to_dict()
        if "resourceMethods" in data and not embeds(self, "methods"):
            data["resourceMethods"] = {verb: {} for verb in data["resourceMethods"]}
        items.append(data)
    return json.dumps({"item": items})


def update_method(self):
    parts = self.path.split("/")
    method = self.backend.get_method(parts[2], parts[4], parts[6])
    for op in self._get_param("patchOperations") or []:
        path, value = op.get("path"), op.get("value")
        if op.get("op") != "replace":
            continue
        if path == "/apiKeyRequired":
            method.api_key_required = str(value).lower() == "true"
        elif path == "/authorizationType":
            method.authorization_type = value
        elif path == "/authorizerId":
            method.authorizer_id = value
    return 200, {}, json.dumps(method.to_json())


def create_domain_name(self, domain_name, *args, **kwargs):
    domain = _create_domain_name(self, domain_name, *args, **kwargs)
    types = (domain.endpoint_configuration or {}).get("types") or []
    if "PRIVATE" in types:
        domain.domain_name_id = mock_random.get_random_string(length=10, lower_case=True)
        domain.domain_name_arn = (
            f"arn:aws:apigateway:{self.region_name}:{self.account_id}:"
            f"/domainnames/{domain_name}+{domain.domain_name_id}"
        )
    return domain


def domain_to_json(self):
    data = _domain_to_json(self)
    if getattr(self, "domain_name_id", None):
        data["domainNameId"] = self.domain_name_id
        data["domainNameArn"] = self.domain_name_arn
    if getattr(self, "mutual_tls", None):
        data["mutualTlsAuthentication"] = dict(self.mutual_tls)
    if getattr(self, "policy_document", None):
        data["policy"] = self.policy_document
    data["routingMode"] = getattr(self, "routing_mode", None) or "BASE_PATH_MAPPING_ONLY"
    return data


def create_domain_name_response(self):
    status, headers, body = _create_domain_name_response(self)
    domain = self.backend.domain_names[self._get_param("domainName")]
    if self._get_param("policy"):
        domain.policy_document = self._get_param("policy")
    if self._get_param("routingMode"):
        domain.routing_mode = self._get_param("routingMode")
    body = json.dumps(domain.to_json())
    mtls = self._get_param("mutualTlsAuthentication")
    if mtls:
        domain.mutual_tls = {
            "truststoreUri": mtls.get("truststoreUri"),
            "truststoreVersion": mtls.get("truststoreVersion") or "1",
            "truststoreWarnings": [],
        }
        body = json.dumps(domain.to_json())
    return status, headers, body


def require_private_id(handler):
    """A private domain is found only with its domainNameId, as on AWS."""
    name = handler.path.split("/")[2]
    domain = handler.backend.domain_names.get(name)
    wanted = getattr(domain, "domain_name_id", None)
    if wanted and handler.querystring.get("domainNameId", [None])[0] != wanted:
        raise exceptions.DomainNameNotFound()


def get_base_path_mappings(self):
    require_private_id(self)
    return _get_base_path_mappings(self)


def get_domain_name(self):
    require_private_id(self)
    return _get_domain_name(self)


def create_domain_name_access_association(self):
    """A VPC endpoint associated with a private custom domain name, in AWS's wire shape."""
    domain_arn = self._get_param("domainNameArn")
    source = self._get_param("accessAssociationSource")
    association = {
        "domainNameAccessAssociationArn": (
            f"arn:aws:apigateway:{self.region}:{self.current_account}:"
            f"/domainnameaccessassociations/domainname/{domain_arn.split('/domainnames/')[-1]}"
            f"/vpcesource/{source}"
        ),
        "domainNameArn": domain_arn,
        "accessAssociationSourceType": self._get_param("accessAssociationSourceType") or "VPCE",
        "accessAssociationSource": source,
    }
    associations = getattr(self.backend, "domain_access_associations", [])
    associations.append(association)
    self.backend.domain_access_associations = associations
    return 201, {"status": 201}, json.dumps(association)


def get_domain_name_access_associations(self):
    items = getattr(self.backend, "domain_access_associations", [])
    return 200, {}, json.dumps({"item": items})


def create_routing_rule(self):
    """A custom domain's routing rule, in API Gateway v2's wire shape."""
    domain = self.path.split("/")[3]
    body = json.loads(self.body or "{}")
    rule_id = mock_random.get_random_string(length=6, lower_case=True)
    rule = {
        "actions": body.get("actions", []),
        "conditions": body.get("conditions", []),
        "priority": body.get("priority"),
        "routingRuleId": rule_id,
        "routingRuleArn": f"arn:aws:apigateway:{self.region}:{self.current_account}:/domainnames/{domain}/routingrules/{rule_id}",
    }
    rules = getattr(self.apigatewayv2_backend, "routing_rules", {})
    rules.setdefault(domain, []).append(rule)
    self.apigatewayv2_backend.routing_rules = rules
    return 201, {"status": 201}, json.dumps(rule)


def list_routing_rules(self):
    domain = self.path.split("/")[3]
    rules = getattr(self.apigatewayv2_backend, "routing_rules", {}).get(domain, [])
    return 200, {}, json.dumps({"routingRules": rules})


def put_integration(self, function_id, resource_id, method_type, integration_type, uri=None, integration_method=None, **kwargs):
    return _put_integration(self, function_id, resource_id, method_type, integration_type, uri, integration_method, **kwargs)


def import_rest_api(self, api_doc, fail_on_warnings):
    api_doc.setdefault("info", {}).setdefault("description", "")
    return _import_rest_api(self, api_doc, fail_on_warnings)


def put_rest_api(self, function_id, api_doc, fail_on_warnings, mode="merge"):
    api = _put_rest_api(self, function_id, api_doc, fail_on_warnings, mode)
    schemes = (api_doc.get("components") or {}).get("securitySchemes") or {}
    key_schemes = {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() == "x-api-key"
    }
    default_security = api_doc.get("security") or []
    for path, resource_doc in (api_doc.get("paths") or {}).items():
        resource = api.get_resource_for_path(path)
        for verb, method_doc in resource_doc.items():
            security = method_doc.get("security", default_security) or []
            if any(name in key_schemes for requirement in security for name in requirement):
                resource.resource_methods[verb.upper()].api_key_required = True
    for extension, attribute in (
        ("x-amazon-apigateway-security-policy", "security_policy"),
        ("x-amazon-apigateway-endpoint-access-mode", "endpoint_access_mode"),
    ):
        if api_doc.get(extension):
            setattr(api, attribute, api_doc[extension])
    source = api_doc.get("x-amazon-apigateway-api-key-source")
    if source:
        api.api_key_source = source
    for response_type, response in (api_doc.get("x-amazon-apigateway-gateway-responses") or {}).items():
        api.put_gateway_response(
            response_type=response_type,
            status_code=response.get("statusCode"),
            response_parameters=response.get("responseParameters") or {},
            response_templates=response.get("responseTemplates") or {},
        )
    return api


ACCESS_PATHS = {"/securityPolicy": "security_policy", "/endpointAccessMode": "endpoint_access_mode"}


def rest_api_apply_patch_operations(self, patch_operations):
    rest = []
    for op in patch_operations:
        attribute = ACCESS_PATHS.get(op.get("path", ""))
        if attribute and op.get("op") == "replace":
            setattr(self, attribute, op.get("value") or None)
        else:
            rest.append(op)
    return _rest_api_apply_patch_operations(self, rest)


def rest_api_to_dict(self):
    data = _rest_api_to_dict(self)
    for key, attribute in (("securityPolicy", "security_policy"), ("endpointAccessMode", "endpoint_access_mode")):
        value = getattr(self, attribute, None)
        if value:
            data[key] = value
    return data


def stage_apply_operations(self, patch_operations):
    rest = []
    for op in patch_operations:
        path = op.get("path", "")
        if not path.startswith("/canarySettings"):
            rest.append(op)
        elif op["op"] == "remove" and path == "/canarySettings":
            self.canary_settings = None
        elif op["op"] == "replace" and path == "/canarySettings/deploymentId":
            self.canary_settings = {"percentTraffic": 0.0, "useStageCache": False, **(getattr(self, "canary_settings", None) or {})}
            self.canary_settings["deploymentId"] = op["value"]
        elif op["op"] == "replace" and path == "/canarySettings/percentTraffic":
            self.canary_settings = {"percentTraffic": 0.0, "useStageCache": False, **(getattr(self, "canary_settings", None) or {})}
            self.canary_settings["percentTraffic"] = float(op["value"])
        else:
            raise exceptions.BadRequestException(f"Invalid patch path {path}")
    return _stage_apply_operations(self, rest)


def stage_to_json(self):
    data = _stage_to_json(self)
    canary = getattr(self, "canary_settings", None)
    if canary:
        data["canarySettings"] = dict(canary)
    return data


# CloudTrail event history: (account, region) -> records, oldest first.
TRAIL = {}
_call_action = core_responses.BaseResponse.call_action
PATH_IDS = {
    "restapis": "restApiId",
    "stages": "stageName",
    "usageplans": "usagePlanId",
    "domainnames": "domainName",
    "apikeys": "apiKey",
    "deployments": "deploymentId",
    "routingrules": "routingRuleId",
}
RECORDED = ("apigateway", "apigatewayv2", "wafv2")


def lowered_keys(value):
    """WAFv2's JSON request as CloudTrail records it: each key's first letter lowered."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: lowered_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lowered_keys(item) for item in value]
    return value
READ_PREFIXES = ("Get", "List", "Describe", "Check", "Lookup")


def trail_record(self, action, status, body):
    """The management event CloudTrail would record for a successful write call."""
    service = getattr(self, "service_name", "")
    if service not in RECORDED or action.startswith(READ_PREFIXES) or int(status) >= 300:
        return
    try:
        request = json.loads(self.body or "{}") if self.body else {}
    except ValueError:
        request = {}
    if not isinstance(request, dict):
        request = {}
    if service == "wafv2":
        request = lowered_keys(request)
    else:
        from urllib.parse import unquote

        path = self.path.split("?")[0]
        if path.startswith("/tags/"):
            # The tagged resource's ARN is the rest of the path, escaped.
            request["resourceArn"] = unquote(path[len("/tags/"):])
        else:
            parts = [unquote(p) for p in path.split("/") if p]
            for key, value in zip(parts, parts[1:]):
                if key in PATH_IDS:
                    request[PATH_IDS[key]] = value
    response = None
    if action.startswith(("Create", "Import")):
        try:
            created = json.loads(body or "{}")
            response = {"id": created.get("id")} if isinstance(created, dict) and created.get("id") else None
        except ValueError:
            response = None
    now = datetime.datetime.now(datetime.timezone.utc)
    record = {
        "eventVersion": "1.09",
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # API Gateway's v1 and v2 calls share one event source.
        "eventSource": "wafv2.amazonaws.com" if service == "wafv2" else "apigateway.amazonaws.com",
        "eventName": action,
        "awsRegion": self.region,
        "readOnly": False,
        "requestParameters": request,
        "responseElements": response,
        "eventID": str(uuid.uuid4()),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": self.current_account,
    }
    TRAIL.setdefault((self.current_account, self.region), []).append((now.timestamp(), record))


def call_action(self):
    status, headers, body = _call_action(self)
    try:
        trail_record(self, self._get_action(), status, body)
    except Exception as err:  # the emulator's own bookkeeping never fails a call
        print(f"moto_ext: could not record a CloudTrail event: {err}", file=sys.stderr)
    return status, headers, body


def lookup_events(self):
    body = json.loads(self.body or "{}")
    attributes = body.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise JsonRESTError("InvalidLookupAttributesException", "You cannot make more than one lookup attribute per request.")
    start = float(body.get("StartTime") or 0)
    end = float(body.get("EndTime") or 1e12)
    limit = min(int(body.get("MaxResults") or 50), 50)
    offset = int(body.get("NextToken") or 0)

    def matches(record):
        if not attributes:
            return True
        key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
        field = {"ReadOnly": str(record["readOnly"]).lower(), "EventSource": record["eventSource"], "EventName": record["eventName"]}
        return field.get(key) == value

    found = [
        (at, record)
        for at, record in reversed(TRAIL.get((self.current_account, self.region), []))
        if start <= at <= end and matches(record)
    ]
    page = found[offset:offset + limit]
    events = [
        {
            "EventId": record["eventID"],
            "EventName": record["eventName"],
            "ReadOnly": str(record["readOnly"]).lower(),
            "EventTime": at,
            "EventSource": record["eventSource"],
            "Username": "gatecheck-tests",
            "Resources": [],
            "CloudTrailEvent": json.dumps(record),
        }
        for at, record in page
    ]
    answer = {"Events": events}
    if offset + limit < len(found):
        answer["NextToken"] = str(offset + limit)
    return 200, {}, json.dumps(answer)


def batch_update_findings(self):
    body = json.loads(self.body or "{}")
    processed, unprocessed = [], []
    for identifier in body.get("FindingIdentifiers", []):
        finding = next(
            (f for f in self.securityhub_backend.findings
             if f.id == identifier.get("Id") and f.data.get("ProductArn") == identifier.get("ProductArn")),
            None,
        )
        if finding is None:
            unprocessed.append({"FindingIdentifier": identifier, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"})
            continue
        if "Workflow" in body:
            finding.data["Workflow"] = dict(body["Workflow"])
        if "Note" in body:
            finding.data["Note"] = {**body["Note"], "UpdatedAt": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        processed.append(identifier)
    return 200, {}, json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


def age_events(request, full_url, headers):
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(full_url).query)
    seconds = float(query.get("seconds", ["0"])[0])
    region = query.get("region", [None])[0]
    for place, records in TRAIL.items():
        if region and place[1] != region:
            continue
        aged = []
        for at, record in records:
            when = datetime.datetime.fromtimestamp(at - seconds, datetime.timezone.utc)
            aged.append((at - seconds, {**record, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ")}))
        TRAIL[place] = aged
    return 200, {}, json.dumps({"aged": sum(len(r) for r in TRAIL.values())})


# Other services' writes, as a busy account's history holds them (eventSource, eventName).
OTHER_WRITES = [
    ("ec2.amazonaws.com", "CreateTags"),
    ("s3.amazonaws.com", "PutBucketTagging"),
    ("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2"),
    ("dynamodb.amazonaws.com", "UpdateTable"),
    ("sns.amazonaws.com", "TagResource"),
]


def other_writes(request, full_url, headers):
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(full_url).query)
    count = int(query.get("count", ["0"])[0])
    region = query["region"][0]
    account = query["account"][0]
    now = datetime.datetime.now(datetime.timezone.utc)
    history = TRAIL.setdefault((account, region), [])
    for i in range(count):
        source, name = OTHER_WRITES[i % len(OTHER_WRITES)]
        history.append((now.timestamp(), {
            "eventVersion": "1.09",
            "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "readOnly": False,
            "requestParameters": {},
            "responseElements": None,
            "eventID": str(uuid.uuid4()),
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
        }))
    return 200, {}, json.dumps({"recorded": count})


# The managed origin request policies: id -> (name, header behaviour, headers).
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": ("Managed-AllViewer", "allViewer", []),
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": (
        "Managed-AllViewerAndCloudFrontHeaders-2022-06", "allViewerAndWhitelistCloudFront",
        ["CloudFront-Viewer-Address", "CloudFront-Viewer-Country", "CloudFront-Is-Mobile-Viewer"],
    ),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": ("Managed-AllViewerExceptHostHeader", "allExcept", ["host"]),
    "59781a5b-3903-41f3-afcb-af62929ccde1": ("Managed-CORS-CustomOrigin", "whitelist", ["origin"]),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": (
        "Managed-CORS-S3Origin", "whitelist",
        ["origin", "access-control-request-headers", "access-control-request-method"],
    ),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": ("Managed-UserAgentRefererHeaders", "whitelist", ["user-agent", "referer"]),
}
# (account, id) -> OriginRequestPolicyConfig, for the policies an account creates.
ORIGIN_REQUEST_POLICIES = {}


class NoSuchOriginRequestPolicy(cloudfront_exceptions.CloudFrontException):
    def __init__(self):
        super().__init__("NoSuchOriginRequestPolicy", "The origin request policy does not exist.")


def managed_policy_config(name, behavior, headers):
    headers_config = {"HeaderBehavior": behavior}
    if headers:
        headers_config["Headers"] = {"Quantity": len(headers), "Items": headers}
    everything = "all" if behavior.startswith("allViewer") or behavior == "allExcept" else "none"
    return {
        "Comment": "Managed by AWS",
        "Name": name,
        "HeadersConfig": headers_config,
        "CookiesConfig": {"CookieBehavior": everything},
        "QueryStringsConfig": {"QueryStringBehavior": everything},
    }


def origin_request_policy_result(policy_id, config):
    return {
        "OriginRequestPolicy": {
            "Id": policy_id,
            "LastModifiedTime": datetime.datetime(2020, 7, 1, tzinfo=datetime.timezone.utc),
            "OriginRequestPolicyConfig": config,
        },
        "ETag": "E23ZP02F085DFQ",
    }


def create_origin_request_policy(self):
    config = self._get_param("OriginRequestPolicyConfig", {})
    policy_id = str(uuid.uuid4())
    ORIGIN_REQUEST_POLICIES[(self.current_account, policy_id)] = config
    result = origin_request_policy_result(policy_id, config)
    result["Location"] = f"https://cloudfront.amazonaws.com/2020-05-31/origin-request-policy/{policy_id}"
    return core_responses.ActionResult(result)


def get_origin_request_policy(self):
    policy_id = self._get_param("Id")
    if policy_id in MANAGED_ORIGIN_REQUEST_POLICIES:
        config = managed_policy_config(*MANAGED_ORIGIN_REQUEST_POLICIES[policy_id])
    elif (self.current_account, policy_id) in ORIGIN_REQUEST_POLICIES:
        config = ORIGIN_REQUEST_POLICIES[(self.current_account, policy_id)]
    else:
        raise NoSuchOriginRequestPolicy()
    return core_responses.ActionResult(origin_request_policy_result(policy_id, config))


cloudfront_responses.CloudFrontResponse.create_origin_request_policy = create_origin_request_policy
cloudfront_responses.CloudFrontResponse.get_origin_request_policy = get_origin_request_policy
cloudfront_urls.url_paths["{0}/2020-05-31/origin-request-policy$"] = cloudfront_responses.CloudFrontResponse.dispatch
cloudfront_urls.url_paths["{0}/2020-05-31/origin-request-policy/(?P<Id>[^/]+)$"] = cloudfront_responses.CloudFrontResponse.dispatch
core_responses.BaseResponse.call_action = call_action
moto_api_urls.url_paths["{0}/moto-api/cloudtrail/other-writes"] = other_writes
moto_api_urls.url_paths["{0}/moto-api/cloudtrail/age"] = age_events
cloudtrail_responses.CloudTrailResponse.lookup_events = lookup_events
securityhub_responses.SecurityHubResponse.batch_update_findings = batch_update_findings
securityhub_urls.url_paths["{0}/findings/batchupdate$"] = securityhub_responses.SecurityHubResponse.dispatch
models.Stage.apply_operations = stage_apply_operations
models.Stage.to_json = stage_to_json
models.RestAPI.apply_patch_operations = rest_api_apply_patch_operations
models.RestAPI.to_dict = rest_api_to_dict
models.RestAPI.create_deployment = create_deployment
models.APIGatewayBackend.import_rest_api = import_rest_api
models.APIGatewayBackend.put_rest_api = put_rest_api
models.APIGatewayBackend.put_integration = put_integration
models.APIGatewayBackend.create_domain_name = create_domain_name
models.DomainName.to_json = domain_to_json
responses.APIGatewayResponse.get_deployment = get_deployment
responses.APIGatewayResponse.get_resources = get_resources
responses.APIGatewayResponse.update_method = update_method
responses.APIGatewayResponse.get_base_path_mappings = get_base_path_mappings
responses.APIGatewayResponse.get_domain_name = get_domain_name
responses.APIGatewayResponse.create_domain_name = create_domain_name_response
responses.APIGatewayResponse.create_domain_name_access_association = create_domain_name_access_association
responses.APIGatewayResponse.get_domain_name_access_associations = get_domain_name_access_associations
urls.url_paths["{0}/domainnameaccessassociations$"] = responses.APIGatewayResponse.dispatch
v2_responses.ApiGatewayV2Response.create_routing_rule = create_routing_rule
v2_responses.ApiGatewayV2Response.list_routing_rules = list_routing_rules
urls.url_paths["{0}/v2/domainnames/(?P<domain_name>[^/]+)/routingrules$"] = v2_responses.ApiGatewayV2Response.dispatch

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
