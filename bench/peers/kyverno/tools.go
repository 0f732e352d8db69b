//go:build tools

// Package tools pins the two Kyverno commands the bench builds, so that go.sum covers both.
package tools

import (
	_ "github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno"
	_ "github.com/kyverno/kyverno/cmd/kyverno"
)
