// Package api is berth's IAM-authenticated HTTP API (template.yaml's BerthApi, served by
// the api function through API Gateway's payload format 2.0 and
// aws-lambda-go-api-proxy's httpadapter.NewV2).
//
// It starts deployments, plans, and removals and reads deployment records, all under
// /v1/apps/{app}/stages/{stage}. docs/openapi.yaml is the reference: every route, every
// response shape and every error code.
//
// # How a deployment starts
//
// The API never starts a deploy execution itself. POST .../deployments validates the
// config offline and writes it to the config bucket at <app>/<stage>/serverless.containers.yml,
// exactly where a user's own upload would go, with the object metadata
// berth-deployment-id (stage.MetadataDeploymentID) set to a fresh id. The bucket's
// EventBridge rule starts the deploy execution, which takes its deployment id from that
// metadata, so the id the API returned is the one the deployment is recorded under. One
// path into the workflow means uploads and API calls behave the same (locking, queueing,
// "last config wins", versioned history).
//
// Until the execution's first state records the deployment (normally within seconds),
// GET .../deployments/{id} answers 200 with status PENDING while the newest version of the
// config object still carries that id, and 404 not_found otherwise.
//
// Removal has no object to write: DELETE .../stages/{stage} starts the remove state
// machine directly with the input {"app","stage","source":"api","deploymentId"}.
//
// # Dependencies
//
// Everything the handlers touch is a small interface (ConfigBucket, StateReader,
// stage.RemoveStarter, IDGenerator, Clock); S3ConfigBucket and stage.StepFunctionsRemover
// are the AWS implementations and internal/awsdeps.LoadAPI wires them. The stage rules
// (key, deployability, preview, status, submit, remove) are internal/stage's.
//
// # Secrets
//
// Responses carry only what the state store holds, which is public by contract (see
// internal/state), config diagnostics (which config.Load scrubs of resolved secrets; the
// API loads configs offline and never resolves ${ssm:} or ${env:} at all), and the
// "safe" outputs of applied resources (Arn, Id, DomainName, Url). Internal errors are
// logged, never echoed: the client gets code "internal" and the request id.
package api
