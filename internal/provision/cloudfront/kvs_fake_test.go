package cloudfront

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	kvsdata "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// moto 5.2.1 implements neither CloudFront Functions nor KeyValueStores (control or data
// plane), so the router function, store and route provisioners are tested with the real
// SDK clients against the HTTP-level fake in internal/fakes/cloudfrontedge.

// edgeFakeRig is one fake with counted clients (what the provisioners use) and uncounted
// ones (what the tests use to set up and inspect).
type edgeFakeRig struct {
	fake         *cloudfrontedge.Server
	calls        *awscalls.Counter
	cf, rawCF    *sdk.Client
	data, rawKVS *kvsdata.Client
}

func newEdgeFakeRig(t *testing.T) *edgeFakeRig {
	t.Helper()
	fake := cloudfrontedge.Start()
	t.Cleanup(fake.Close)
	raw := fake.AWSConfig("us-east-1")
	counted := fake.AWSConfig("us-east-1")
	calls := awscalls.New()
	calls.Attach(&counted)
	return &edgeFakeRig{
		fake: fake, calls: calls,
		cf: sdk.NewFromConfig(counted), rawCF: sdk.NewFromConfig(raw),
		data: kvsdata.NewFromConfig(counted), rawKVS: kvsdata.NewFromConfig(raw),
	}
}

// store creates a KeyValueStore with the raw client, tagged for env when env is given.
func (r *edgeFakeRig) store(t *testing.T, name string, env *provision.Env) string {
	t.Helper()
	in := &sdk.CreateKeyValueStoreInput{Name: aws.String(name)}
	if env != nil {
		in.Tags = edgeTags(*env, plan.Resource{ID: plan.IDKeyValueStore})
	}
	out, err := r.rawCF.CreateKeyValueStore(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.KeyValueStore.ARN)
}

func edgeFakeEnv(refs provision.OutputsByID) provision.Env {
	return provision.Env{App: "shop", Stage: "prod", Account: cloudfrontedge.DefaultAccount, Region: "eu-west-1", Refs: refs}
}

func edgeFakeResource(t *testing.T, id string, kind plan.Kind, name string, props any) plan.Resource {
	t.Helper()
	b, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: kind, Name: name, Region: plan.EdgeRegion, Props: b}
}

// opCounts maps "Service:Operation" to calls made since before.
func opCounts(before, after awscalls.Summary) map[string]int {
	m := map[string]int{}
	for _, op := range after.Ops {
		m[op.Service+":"+op.Operation] += op.Count
	}
	for _, op := range before.Ops {
		if m[op.Service+":"+op.Operation] -= op.Count; m[op.Service+":"+op.Operation] == 0 {
			delete(m, op.Service+":"+op.Operation)
		}
	}
	return m
}

// noCalls is the summary before any call.
var noCalls awscalls.Summary

// fnStateFor is a cloudfront-js-2.0 config associated with the store arn.
func fnStateFor(arn string) fnState {
	return fnState{runtime: "cloudfront-js-2.0", kvsARN: arn}
}
