"""Emulator extension: starts moto_server with two API Gateway behaviours that AWS documents
and moto 5.2 lacks, so gatecheck's tests and demo can exercise undeployed changes (GC401).

1. CreateDeployment freezes the API's methods; GetDeployment returns them as `apiSummary`
   ({path: {verb: {authorizationType, apiKeyRequired}}}) as AWS does with embed=apisummary.
2. UpdateMethod applies `replace` on /apiKeyRequired, /authorizationType and /authorizerId.

Usage: python moto_ext.py [moto_server arguments]
"""
import json
import sys

from moto.apigateway import models, responses
from moto.server import main

_create_deployment = models.RestAPI.create_deployment
_deployment_to_json = models.Deployment.to_json


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


def deployment_to_json(self):
    data = _deployment_to_json(self)
    if getattr(self, "api_summary", None) is not None:
        data["apiSummary"] = self.api_summary
    return data


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


models.RestAPI.create_deployment = create_deployment
models.Deployment.to_json = deployment_to_json
responses.APIGatewayResponse.update_method = update_method

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
