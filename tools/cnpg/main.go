// Command cnpg reads one postgresql.cnpg.io/v1 Cluster (YAML or JSON) on stdin and prints, as a JSON v1
// List, what the CloudNativePG operator creates for it: its ServiceAccount, one data PVC and one Pod per
// instance, the read-write, read-only and read Services and the primary/replica PodDisruptionBudgets. The operator itself cannot run
// here (it talks to each instance manager at its pod IP); its spec builders are the same code it runs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	apiv1 "github.com/cloudnative-pg/cloudnative-pg/api/v1"
	"github.com/cloudnative-pg/cloudnative-pg/pkg/reconciler/persistentvolumeclaim"
	"github.com/cloudnative-pg/cloudnative-pg/pkg/specs"
	"github.com/cloudnative-pg/cloudnative-pg/pkg/utils"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// The largest Cluster manifest accepted on stdin.
const maxInput = 1 << 20

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "cnpg: %v\n", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	raw, err := io.ReadAll(io.LimitReader(in, maxInput+1))
	if err != nil {
		return err
	}
	if len(raw) > maxInput {
		return fmt.Errorf("the Cluster manifest is larger than %d bytes", maxInput)
	}
	var cluster apiv1.Cluster
	if err := yaml.UnmarshalStrict(raw, &cluster); err != nil {
		return fmt.Errorf("reading the Cluster: %w", err)
	}
	if cluster.Kind != "Cluster" || cluster.Name == "" || cluster.Namespace == "" {
		return fmt.Errorf("expected a postgresql.cnpg.io/v1 Cluster with metadata.name and metadata.namespace")
	}
	// What the operator's defaulting webhook does before any reconcile.
	cluster.SetDefaults()

	sa := &corev1.ServiceAccount{}
	sa.APIVersion, sa.Kind = "v1", "ServiceAccount"
	sa.Name, sa.Namespace = cluster.GetServiceAccountName(), cluster.Namespace
	cluster.SetInheritedDataAndOwnership(&sa.ObjectMeta)
	items := []any{sa}
	for serial := 1; serial <= cluster.Spec.Instances; serial++ {
		pvc, err := persistentvolumeclaim.Build(&cluster, &persistentvolumeclaim.CreateConfiguration{
			Status:     persistentvolumeclaim.StatusReady,
			NodeSerial: serial,
			Calculator: persistentvolumeclaim.NewPgDataCalculator(),
			Storage:    cluster.Spec.StorageConfiguration,
		})
		if err != nil {
			return fmt.Errorf("instance %d's volume: %w", serial, err)
		}
		pvc.APIVersion, pvc.Kind = "v1", "PersistentVolumeClaim"
		items = append(items, pvc)
		pod, err := specs.NewInstance(context.Background(), cluster, serial, true)
		if err != nil {
			return fmt.Errorf("instance %d: %w", serial, err)
		}
		pod.APIVersion, pod.Kind = "v1", "Pod"
		// The operator makes the Cluster the pod's controller when it creates it.
		cluster.SetInheritedDataAndOwnership(&pod.ObjectMeta)
		// The instance manager labels its pod with the role it holds; the first instance is the one initdb
		// made, so it starts as the primary.
		role := specs.ClusterRoleLabelReplica
		if serial == 1 {
			role = specs.ClusterRoleLabelPrimary
		}
		utils.SetInstanceRole(&pod.ObjectMeta, role)
		items = append(items, pod)
	}
	for _, svc := range []*corev1.Service{
		specs.CreateClusterReadWriteService(cluster),
		specs.CreateClusterReadOnlyService(cluster),
		specs.CreateClusterReadService(cluster),
	} {
		svc.APIVersion, svc.Kind = "v1", "Service"
		cluster.SetInheritedDataAndOwnership(&svc.ObjectMeta)
		items = append(items, svc)
	}
	for _, pdb := range []*policyv1.PodDisruptionBudget{
		specs.BuildPrimaryPodDisruptionBudget(&cluster),
		specs.BuildReplicasPodDisruptionBudget(&cluster),
	} {
		if pdb != nil {
			pdb.APIVersion, pdb.Kind = "policy/v1", "PodDisruptionBudget"
			items = append(items, pdb)
		}
	}
	return json.NewEncoder(out).Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}
