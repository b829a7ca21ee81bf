package config

import (
	"context"
	"errors"
	"testing"
)

// fullConfig uses every key of the format, including berth's extensions; it is valid.
const fullConfig = `name: shop
stages:
  prod:
    params:
      domain: shop.example.com
  default:
    params:
      domain: dev.shop.example.com
deployment:
  type: aws@1.0
  awsVpc:
    id: vpc-0a1b2c3d4e5f67890
    publicSubnets: [subnet-11111111, subnet-22222222]
    privateSubnets: [subnet-33333333, subnet-44444444]
    s2sSecurityGroupId: sg-12345678
    loadBalancerSecurityGroupId: sg-87654321
  awsIam:
    roleArn: arn:aws:iam::123456789012:role/shop-app
  awsAlb:
    wafAclArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop-alb/0a1b2c3d
    internal: false
  awsFargateEcs:
    executionRoleArn: arn:aws:iam::123456789012:role/shop-exec
  awsCloudFront:
    wafAclArn: arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop-edge/0a1b2c3d
    originReadTimeout: 45
    priceClass: PriceClass_100
  drift:
    repair: false
  logs:
    retentionInDays: 90
containers:
  web:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-web:1.4.2
    port: 3000
    routing:
      domain: ${param:domain}
      pathPattern: /*
    environment:
      NODE_ENV: production
      PORT: 3000
      FEATURES: {search: true, beta: [a, b]}
    compute:
      type: awsLambda
      awsLambda:
        memory: 2048
        timeout: 30
        vpc: true
        invokeMode: RESPONSE_STREAM
        architecture: arm64
      awsIam:
        customPolicy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem]
              Resource: ['*']
  api:
    src: ./api
    image: public.ecr.aws/shop/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    build:
      args: {NPM_TOKEN: x}
      dockerFileString: FROM node:22
      options: --target=prod
    dev:
      hooks: {onreload: npm run build}
      watchPath: ./src
      watchExtensions: [.js, .json]
      excludeDirectories: [node_modules]
    integrations:
      slack: {type: slack}
    routing:
      domain: ${param:domain}
      pathPattern: /api/*
      pathHealthCheck: /api/health
    compute:
      type: awsFargateEcs
      awsFargateEcs:
        cpu: 1024
        memory: 4096
        scale:
          - type: min
            min: 1
          - type: max
            max: 10
          - type: target
            target: cpu
            value: 60
            scaleIn: false
            scaleInCooldown: 30
            scaleOutCooldown: 10
          - type: target
            target: albRequestsPerTarget
      awsIam:
        roleArn: arn:aws:iam::123456789012:role/shop-api
  worker:
    image: localhost:5000/shop/worker:dev
    routing:
      pathPattern: /jobs/*
    compute:
      type: awsFargateEcs
      awsFargateEcs:
        scale:
          - type: step
            adjustmentType: ChangeInCapacity
            stepAdjustments:
              - metricIntervalUpperBound: 0
                scalingAdjustment: -1
              - metricIntervalLowerBound: 0
                metricIntervalUpperBound: 20
                scalingAdjustment: 1
              - metricIntervalLowerBound: 20
                scalingAdjustment: 3
            metricName: QueueDepth
            namespace: Shop
            dimensions:
              - name: QueueName
                value: jobs
            threshold: 100
            comparisonOperator: GreaterThanThreshold
            metricAggregationType: Maximum
            cooldown: 120
          - type: min
            min: 0
          - type: max
            max: 5
`

func loadOffline(doc string) (*Config, error) {
	return Load(context.Background(), []byte(doc), Options{File: "test.yml"})
}

// mustErrors loads doc and returns its diagnostics, failing unless Load returned *Errors.
func mustErrors(t *testing.T, doc string, opts Options) []Diagnostic {
	t.Helper()
	_, err := Load(context.Background(), []byte(doc), opts)
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %T: %v", err, err)
	}
	return errs.Diagnostics
}

func mustLoad(t *testing.T, doc string, opts Options) *Config {
	t.Helper()
	cfg, err := Load(context.Background(), []byte(doc), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}
