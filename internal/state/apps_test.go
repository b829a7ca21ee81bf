package state

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestRegisteredApps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runOnBoth(t, []storeCase{
		{name: "nothing is listed before the first deploy", run: func(t *testing.T, s stateStore) {
			apps, err := s.ListApps(ctx)
			if err != nil || len(apps) != 0 {
				t.Fatalf("got %+v, %v", apps, err)
			}
		}},
		{name: "registered stages are listed by app then stage", run: func(t *testing.T, s stateStore) {
			for _, as := range [][2]string{{"shop", "prod"}, {"blog", "dev"}, {"shop", "dev"}, {"shop-admin", "prod"}} {
				if err := s.RegisterApp(ctx, as[0], as[1]); err != nil {
					t.Fatal(err)
				}
			}
			apps, _ := s.ListApps(ctx)
			var got []string
			for _, a := range apps {
				got = append(got, a.App+"/"+a.Stage)
			}
			if fmt.Sprint(got) != "[blog/dev shop/dev shop/prod shop-admin/prod]" {
				t.Fatalf("got %v", got)
			}
		}},
		{name: "registering again keeps the first registration time", run: func(t *testing.T, s stateStore) {
			setClock(s, func() time.Time { return t0 })
			if err := s.RegisterApp(ctx, "shop", "prod"); err != nil {
				t.Fatal(err)
			}
			setClock(s, func() time.Time { return t0.Add(time.Hour) })
			if err := s.RegisterApp(ctx, "shop", "prod"); err != nil {
				t.Fatal(err)
			}
			apps, _ := s.ListApps(ctx)
			if len(apps) != 1 || !apps[0].RegisteredAt.Equal(t0) {
				t.Fatalf("got %+v", apps)
			}
		}},
		{name: "an unregistered stage is no longer listed, and unregistering twice is fine", run: func(t *testing.T, s stateStore) {
			for _, stage := range []string{"prod", "dev"} {
				if err := s.RegisterApp(ctx, "shop", stage); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if err := s.UnregisterApp(ctx, "shop", "dev"); err != nil {
					t.Fatal(err)
				}
			}
			apps, _ := s.ListApps(ctx)
			if len(apps) != 1 || apps[0].Stage != "prod" {
				t.Fatalf("got %+v", apps)
			}
		}},
		{name: "a stage name containing '#' is rejected", run: func(t *testing.T, s stateStore) {
			if err := s.RegisterApp(ctx, "shop", "a#b"); err == nil {
				t.Fatal("no error")
			}
		}},
	})
}
