// Reference answers from @openzeppelin/merkle-tree for the Python tree's property tests.
// stdin: {"values": ["0x..", ...]}; stdout: {"root", "proofs": [[..], ..], "dump"}.
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { values } = JSON.parse(input);
  const tree = StandardMerkleTree.of(values.map((v) => [v]), ["bytes32"]);
  const proofs = values.map((_, i) => tree.getProof(i));
  process.stdout.write(JSON.stringify({ root: tree.root, proofs, dump: tree.dump() }));
});
