package cloudfront

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/motoserver"
)

// TestMain runs this package's tests against one moto_server. ACM's simulated DNS
// validation completes after MOTO_ACM_VALIDATION_WAIT seconds (60 by default); the stack
// test waits for an issued certificate, so it is shortened (moto_server inherits the
// environment). moto runs through berth's launcher, whose CloudFront origins keep their
// VpcOriginConfig (the ALB origin) as CloudFront does.
func TestMain(m *testing.M) {
	os.Setenv("MOTO_ACM_VALIDATION_WAIT", "1")
	os.Exit(motoserver.RunTestsWith(m, motoserver.Options{ConcurrentExecutions: true}))
}
