package plan

// ClusterProps: AWS::ECS::Cluster.
type ClusterProps struct {
	ContainerInsights bool `json:"containerInsights"`
}

// TaskDefinitionProps: AWS::ECS::TaskDefinition (Fargate, awsvpc).
type TaskDefinitionProps struct {
	CPU      int    `json:"cpu"`
	MemoryMB int    `json:"memoryMb"`
	ImageURI string `json:"imageUri"`
	// Image is the image built from src (a KindImageBuild or KindWebAdapter output,
	// AttrImage) when ImageURI is "".
	Image           *Ref                `json:"image,omitempty"`
	Port            int                 `json:"port"`
	Architecture    string              `json:"architecture"`
	Environment     map[string]EnvValue `json:"environment,omitempty"`
	ExecutionRole   RoleRef             `json:"executionRole"`
	TaskRole        RoleRef             `json:"taskRole"`
	LogGroup        Ref                 `json:"logGroup"`
	HealthCheckPath string              `json:"healthCheckPath"`
}

// ServiceProps: AWS::ECS::Service behind its target group.
type ServiceProps struct {
	Cluster                    Ref      `json:"cluster"`
	TaskDefinition             Ref      `json:"taskDefinition"`
	TargetGroup                Ref      `json:"targetGroup"`
	ContainerName              string   `json:"containerName"`
	Port                       int      `json:"port"`
	DesiredCount               int      `json:"desiredCount"`
	SubnetIDs                  []string `json:"subnetIds,omitempty"` // empty: default VPC's subnets
	SecurityGroups             []Ref    `json:"securityGroups,omitempty"`
	SecurityGroupIDs           []string `json:"securityGroupIds,omitempty"` // given by awsVpc
	AssignPublicIP             bool     `json:"assignPublicIp"`
	HealthCheckGracePeriodSec  int      `json:"healthCheckGracePeriodSec"`
	CircuitBreakerWithRollback bool     `json:"circuitBreakerWithRollback"`
	// AutoScaled: a scalable target owns the live desired count, so DesiredCount is only
	// the count the service starts with; it is not compared or reset afterwards (doing so
	// would undo every scale-out on the next deploy or drift repair).
	AutoScaled bool `json:"autoScaled,omitempty"`
}

// ScalableTargetProps: AWS::ApplicationAutoScaling::ScalableTarget for a service.
type ScalableTargetProps struct {
	Service Ref `json:"service"`
	Cluster Ref `json:"cluster"`
	Min     int `json:"min"`
	Max     int `json:"max"`
}

// ScalingPolicyProps: AWS::ApplicationAutoScaling::ScalingPolicy (one SCF scale entry).
type ScalingPolicyProps struct {
	Target     Ref    `json:"scalableTarget"`
	PolicyType string `json:"policyType"` // TargetTrackingScaling | StepScaling
	// Target tracking.
	PredefinedMetric string  `json:"predefinedMetric,omitempty"` // ECSServiceAverageCPUUtilization | ECSServiceAverageMemoryUtilization | ALBRequestCountPerTarget
	TargetValue      float64 `json:"targetValue,omitempty"`
	DisableScaleIn   bool    `json:"disableScaleIn,omitempty"`
	ScaleInCooldown  int     `json:"scaleInCooldown,omitempty"`
	ScaleOutCooldown int     `json:"scaleOutCooldown,omitempty"`
	// ALBRequestCountPerTarget's ResourceLabel is "<lb FullName>/<tg FullName>".
	LoadBalancer *Ref `json:"loadBalancer,omitempty"`
	TargetGroup  *Ref `json:"targetGroup,omitempty"`
	// Step scaling (with its CloudWatch alarm).
	AdjustmentType        string      `json:"adjustmentType,omitempty"`
	StepAdjustments       []StepProps `json:"stepAdjustments,omitempty"`
	Cooldown              int         `json:"cooldown,omitempty"`
	MetricAggregationType string      `json:"metricAggregationType,omitempty"`
	MetricName            string      `json:"metricName,omitempty"`
	Namespace             string      `json:"namespace,omitempty"`
	Dimensions            []NameValue `json:"dimensions,omitempty"`
	Threshold             float64     `json:"threshold,omitempty"`
	ComparisonOperator    string      `json:"comparisonOperator,omitempty"`
}

// StepProps is one step adjustment; nil bounds are open.
type StepProps struct {
	LowerBound        *float64 `json:"lowerBound,omitempty"`
	UpperBound        *float64 `json:"upperBound,omitempty"`
	ScalingAdjustment int      `json:"scalingAdjustment"`
}

// NameValue is a metric dimension.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
