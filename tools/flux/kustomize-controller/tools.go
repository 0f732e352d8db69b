//go:build tools

// Package tools pins the kustomize-controller command Bonsai builds, so that go.sum covers it.
package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
)
