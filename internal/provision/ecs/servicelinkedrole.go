package ecs

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// ecsServicePrincipal owns the service-linked role AWSServiceRoleForECS.
const ecsServicePrincipal = "ecs.amazonaws.com"

// createSLRFix is what the user runs when berth may not create the role itself.
const createSLRFix = "this account has never used ECS and its service-linked role AWSServiceRoleForECS does not exist: run `aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com` once (or grant berth iam:CreateServiceLinkedRole for ecs.amazonaws.com), then deploy again"

// needsServiceLinkedRole recognises ECS's answer in an account that has never used ECS:
// "Unable to assume the service linked role. Please verify that the ECS service linked
// role exists."
func needsServiceLinkedRole(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.ErrorMessage()), "service linked role")
}

// createServiceLinkedRole creates ECS's service-linked role once and answers with a
// *provision.TransientError: a new role takes a few seconds to be usable, so the state
// machine's retry of the step is what creates the service. Without an IAM client the user
// gets a *provision.PreconditionError with the command to run.
func (p *services) createServiceLinkedRole(ctx context.Context, r plan.Resource, cause error) error {
	if p.roles == nil {
		return &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: createSLRFix}
	}
	_, err := p.roles.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(ecsServicePrincipal)})
	if err != nil && !roleExists(err) {
		if provision.ErrorCode(err) == "AccessDenied" || provision.ErrorCode(err) == "AccessDeniedException" {
			return &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: createSLRFix}
		}
		return provision.Classify(err, "create ECS service-linked role", string(r.Kind), r.Name)
	}
	return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "create",
		Cause: "created ECS's service-linked role, which becomes usable within seconds: " + cause.Error()}
}

// roleExists: AWS says "Service role name AWSServiceRoleForECS has been taken in this
// account" (InvalidInput); moto says EntityAlreadyExists.
func roleExists(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.ErrorCode() == "EntityAlreadyExists" || strings.Contains(ae.ErrorMessage(), "has been taken")
}
