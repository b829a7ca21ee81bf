// Package acceptance is berth's real-account acceptance suite (build tag aws, opt-in:
// `make acceptance`). It installs berth with SAM (or uses an installed stack), deploys a
// sample app with one Lambda and one Fargate container, requests it through CloudFront,
// deploys a new image, switches compute, injects a failure and checks the rollback, lets
// drift repair an out-of-band change, removes the app and lists tags to prove nothing is
// left, printing cost-relevant resources and timings. It spends money: see README
// "Acceptance on a real account".
package acceptance
