package route53

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }
