//go:build tools

// Package tools pins the etcd server Bonsai builds, so that go.sum covers it.
package tools

import _ "go.etcd.io/etcd/server/v3"
