// Package state is berth's own bookkeeping: the per-app/stage deploy lock, deployment
// records, the compensation journal, the applied state, drift reports and the list of
// deployed apps. It lives in one DynamoDB table (template.yaml's StateTable: pk and sk,
// both strings, on-demand) and one S3 bucket for documents too large for an item (the
// "artifacts" bucket).
//
// # Item layout
//
// The layout is a contract: the API and the CLI read these items.
//
//	pk                    sk                                         what
//	APP#<app>#<stage>     LOCK                                       the deploy lock (see below)
//	APP#<app>#<stage>     STATE                                      pointer to the applied state document
//	APP#<app>#<stage>     DRIFT                                      latest drift report
//	APP#<app>#<stage>     DEPLOY#<id>                                deployment record (header)
//	APP#<app>#<stage>     DEPLOY#<id>#STEP#<start-nanos>#<name>      one workflow step's outcome
//	APP#<app>#<stage>     DEPLOY#<id>#CALLS#<invocation-id>          AWS call counts of one Lambda invocation
//	APP#<app>#<stage>     DEPLOY#<id>#J#<nanos>#<stepId>             one compensation journal entry
//	APP#<app>#<stage>     HIST#<start-nanos>#<id>                    history index: lists deployments newest first
//	APPS                  <app>#<stage>                              sentinel: this app/stage has been deployed
//
// <start-nanos> and <nanos> are Unix nanoseconds zero-padded to 20 digits, so sort keys
// sort by time. App, stage and deployment ids never contain '#'. Every item carries a
// "type" attribute (lock, state, drift, deployment, step, calls, journal, history, app).
//
// The HIST items exist so ListDeployments reads one small item per deployment instead of
// every step and journal entry under DEPLOY#: one Query (newest first, Limit n) and one
// BatchGetItem of the headers.
//
// Attributes:
//
//   - LOCK: holder (deployment id), expiresAt (N, Unix nanos), pending (M: deploymentId,
//     bucket, key, versionId, requestedAt N Unix nanos) — at most one pending request.
//   - STATE: ref (S3 key of the Applied JSON), refVersion (when the bucket is versioned),
//     deploymentId, configBucket, configKey, configVersion, updatedAt.
//   - DRIFT and journal entries: doc (the JSON inline), or ref/refVersion when the JSON
//     is over 300 KB; journal entries also stepId, phase, action.
//   - DEPLOY#<id>: id, app, stage, status, source, bucket, key, configVersion, started,
//     ended, error, outputs (M of strings). Times are RFC 3339 strings in UTC.
//   - STEP: name, status, started, ended, detail. CALLS: doc (awscalls.Summary JSON).
//   - HIST: id. APPS: app, stage, registeredAt.
//
// S3 keys in the artifacts bucket:
//
//	applied/<app>/<stage>/<deploymentId>.json              Applied (every commit; older ones are history)
//	deployments/<app>/<stage>/<id>/plan.json               plan.Plan of a deployment
//	deployments/<app>/<stage>/<id>/journal/<sha256>.json   journal entries over 300 KB
//	drift/<app>/<stage>/<sha256>.json                      drift reports over 300 KB
//
// A document is always written to S3 before the item that points at it, so a crash never
// leaves a pointer to a missing document.
//
// # Lock
//
// One deployment per app/stage at a time, with a lease so a crashed holder cannot block a
// stage forever. Every transition is a single conditional write; no code path reads the
// lock and then writes based on what it read. A deployment that finds the lock held
// records itself as the single pending request; a newer request (by RequestedAt: the
// upload or API call time) overwrites an older one, never the reverse, so the stage ends
// on the last config; a request without a time (a removal or drift repair waiting for
// the lock) is never recorded, its caller polls. Release deletes the lock with a condition on the holder and returns
// the pending request from that same delete (ReturnValues ALL_OLD): a concurrent enqueue
// either happened before the delete and is returned, or fails its "still held" condition
// afterwards and acquires the now free lock itself. Nothing is lost, nothing is returned
// twice.
//
// The crash path (an EventBridge rule on execution FAILED, TIMED_OUT or ABORTED) calls
// the same Release with the execution's deployment id; releasing a lock someone else
// holds is a no-op.
//
// # Secrets
//
// The store never sees secret values: callers pass plan documents (which hold secret
// references and fingerprints, never values), provisioner outputs (which never include
// secrets) and public outputs only. Error texts and step details must be built from the
// same redacted material.
package state
