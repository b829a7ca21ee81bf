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
	cases := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"nothing is listed before the first deploy", func(t *testing.T, s *Store) {
			apps, err := s.ListApps(ctx)
			if err != nil || len(apps) != 0 {
				t.Fatalf("got %+v, %v", apps, err)
			}
		}},
		{"registered stages are listed by app then stage", func(t *testing.T, s *Store) {
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
		{"registering again keeps the first registration time", func(t *testing.T, s *Store) {
			s.now = func() time.Time { return t0 }
			if err := s.RegisterApp(ctx, "shop", "prod"); err != nil {
				t.Fatal(err)
			}
			s.now = func() time.Time { return t0.Add(time.Hour) }
			if err := s.RegisterApp(ctx, "shop", "prod"); err != nil {
				t.Fatal(err)
			}
			apps, _ := s.ListApps(ctx)
			if len(apps) != 1 || !apps[0].RegisteredAt.Equal(t0) {
				t.Fatalf("got %+v", apps)
			}
		}},
		{"an unregistered stage is no longer listed, and unregistering twice is fine", func(t *testing.T, s *Store) {
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
		{"a stage name containing '#' is rejected", func(t *testing.T, s *Store) {
			if err := s.RegisterApp(ctx, "shop", "a#b"); err == nil {
				t.Fatal("no error")
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newFixture(t).store)
		})
	}
}
