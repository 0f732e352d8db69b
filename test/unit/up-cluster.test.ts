import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { run as up } from "../../cli/commands/up";
import { clusterNames, resolveCluster } from "../../cli/up/cluster";
import { REPO_ROOT } from "../../cli/up/state";

// `bonsai up --cluster <name>`: which folder of clusters/ it brings up, and how many kwok nodes and storage
// folders that cluster's k3d.yaml asks for. An unknown name stops before anything starts.

async function capture(argv: string[]) {
  const err: string[] = [];
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(s => err.push(String(s)) > 0);
  try {
    return { code: await up(argv), stderr: err.join("") };
  } finally {
    stderr.mockRestore();
  }
}

describe("bonsai up --cluster", () => {
  it("offers the folders of clusters/ with a k3d config (not the shared overlays)", () => {
    expect(clusterNames(REPO_ROOT)).toEqual(["local", "multi-node"]);
  });

  it("reads the node count and the storage folders from the cluster's k3d.yaml", () => {
    const local = resolveCluster(REPO_ROOT, "local");
    expect([local.nodes, local.hostFolders]).toEqual([1, [join(homedir(), ".bonsai", "storage")]]);
    const multi = resolveCluster(REPO_ROOT, "multi-node");
    expect(multi.nodes).toBe(3);
    expect(multi.hostFolders).toEqual([0, 1, 2].map(i => join(homedir(), ".bonsai", `storage-${i}`)));
    expect(multi.k3dConfig).toBe(join(REPO_ROOT, "clusters", "multi-node", "k3d.yaml"));
  });

  it("refuses an unknown cluster with exit 2, naming the flag and the clusters there are", async () => {
    const r = await capture(["--embedded", "--cluster", "three-macs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^bonsai up: --cluster "three-macs": there is no clusters\/three-macs\/ with a k3d.yaml; the clusters are local, multi-node \(folders of clusters\/\)\n\nUsage: bonsai up/,
    );
    expect((await capture(["--cluster", "overlays"])).code).toBe(2);
    expect((await capture(["--cluster", "../apps"])).code).toBe(2);
  });

  describe("a k3d.yaml that is not one", () => {
    let repo: string;
    const k3d = (text: string) => {
      mkdirSync(join(repo, "clusters", "odd"), { recursive: true });
      writeFileSync(join(repo, "clusters", "odd", "k3d.yaml"), text);
    };
    beforeEach(() => (repo = mkdtempSync(join(tmpdir(), "bonsai-up-cluster-"))));
    afterEach(() => rmSync(repo, { recursive: true, force: true }));

    it("is refused with the file and the field", () => {
      k3d("apiVersion: k3d.io/v1alpha5\nkind: Simple\nagents: -1\n");
      expect(() => resolveCluster(repo, "odd")).toThrow(
        "clusters/odd/k3d.yaml: agents is -1; expected a whole number from 0 to 16",
      );
      k3d("kind: Cluster\n");
      expect(() => resolveCluster(repo, "odd")).toThrow("clusters/odd/k3d.yaml: kind must be Simple");
      k3d("kind: Simple\nservers: 0\n");
      expect(() => resolveCluster(repo, "odd")).toThrow("servers + agents is 0");
    });

    it("creates storage folders only under ~/.bonsai", () => {
      k3d("kind: Simple\nvolumes:\n  - volume: /etc:/var/lib/x\n  - volume: ${HOME}/.bonsai/s:/data\n");
      expect(resolveCluster(repo, "odd").hostFolders).toEqual([join(homedir(), ".bonsai", "s")]);
    });
  });
});
