package awsdeps

import (
	"context"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/imagebuild"
	"github.com/berth-dev/berth/internal/provision"
	cbprov "github.com/berth-dev/berth/internal/provision/codebuild"
	ecrprov "github.com/berth-dev/berth/internal/provision/ecr"
)

// ImageHooks stand in, in the local runtime, for what builds and stores images on AWS.
type ImageHooks struct {
	// CodeBuild wraps the region's CodeBuild client (the local builder runs where
	// CodeBuild would).
	CodeBuild func(region string, api cbprov.BuildAPI) cbprov.BuildAPI
	// Registry are the registry options instead of an ECR login (a registry on loopback).
	Registry []remote.Option
	// Adapter returns the Lambda Web Adapter binary instead of fetching the pinned image.
	Adapter func(ctx context.Context, arch string) ([]byte, error)
	// Pushed records a pushed image in the emulator's ECR (ecrprov.Images.Pushed).
	Pushed func(ctx context.Context, region, repository, tag, ref string) error
}

// registerImages adds the image build path's kinds: repositories, the shared build
// project, builds in CodeBuild and the Web Adapter layer.
func registerImages(reg provision.Registry, cfg aws.Config, s Settings) {
	ecrc := provision.PerRegion(func(region string) *awsecr.Client {
		return awsecr.NewFromConfig(cfg, func(o *awsecr.Options) { o.Region = region })
	})
	cbc := provision.PerRegion(func(region string) *cb.Client {
		return cb.NewFromConfig(cfg, func(o *cb.Options) {
			o.Region = region
			if s.Emulator {
				o.HTTPClient = &http.Client{Transport: cbprov.MotoTimestamps(nil)}
			}
		})
	})
	ecrprov.Register(reg, func(region string) ecrprov.API { return ecrc(region) })
	cbprov.Register(reg, func(region string) cbprov.ProjectAPI {
		if s.Emulator {
			return cbprov.MotoProjects{Client: cbc(region)}
		}
		return cbc(region)
	})
	cbprov.RegisterImageBuild(reg, provision.PerRegion(func(region string) *cbprov.Builder {
		var api cbprov.BuildAPI = cbc(region)
		if s.Images.CodeBuild != nil {
			api = s.Images.CodeBuild(region, api)
		}
		return &cbprov.Builder{CodeBuild: api, Images: ecrc(region), Logs: cwl.NewFromConfig(cfg, func(o *cwl.Options) { o.Region = region })}
	}))
	ecrprov.RegisterWebAdapter(reg, provision.PerRegion(func(region string) *ecrprov.Images {
		im := &ecrprov.Images{
			Options: func(ctx context.Context) ([]remote.Option, error) {
				if s.Images.Registry != nil {
					return s.Images.Registry, nil
				}
				auth, _, err := imagebuild.ECRAuth(ctx, ecrc(region))
				if err != nil {
					return nil, err
				}
				return []remote.Option{remote.WithAuth(auth)}, nil
			},
			Adapter: fetchAdapter,
		}
		if s.Images.Adapter != nil {
			im.Adapter = s.Images.Adapter
		}
		if s.Images.Pushed != nil {
			im.Pushed = func(ctx context.Context, repository, tag, ref string) error {
				return s.Images.Pushed(ctx, region, repository, tag, ref)
			}
		}
		return im
	}))
}

// adapters caches the adapter binary per architecture for the life of the process: it
// is pinned (imagebuild.AdapterImage), so it never changes.
var adapters sync.Map

// fetchAdapter reads the pinned adapter from its public image (anonymous pull).
func fetchAdapter(ctx context.Context, arch string) ([]byte, error) {
	if b, ok := adapters.Load(arch); ok {
		return b.([]byte), nil
	}
	b, err := imagebuild.FetchAdapter(ctx, imagebuild.AdapterImage, arch)
	if err != nil {
		return nil, err
	}
	adapters.Store(arch, b)
	return b, nil
}
