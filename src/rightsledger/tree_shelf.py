"""Where proofs come from: tree files (rightsledger.merkle_store) kept by root, opened once.

A dataset or collection is known on chain by its Merkle root, so its tree file is kept under
`<home>/trees/<root>.tree` (and `declare` writes one beside the manifest). `TreeShelf.get(root)`
opens the first file found that holds exactly that root; a file that holds another root, or is
damaged, is rejected with its reason (logged, one line) and the tree is rebuilt, streaming, from
the values the caller can list (a manifest's hashes), into the shelf. A proof is then a binary
search over the file's sorted leaves and one read per level: no tree is held in memory.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import NotFoundError, ValidationError
from .merkle import MerkleTree
from .merkle_store import TreeFile, build_tree_file

LOG = logging.getLogger("rightsledger.trees")
KEEP_OPEN = 16

Tree = MerkleTree | TreeFile
"""A tree proofs are read from: in memory (`MerkleTree`) or on disk (`TreeFile`)."""


def values_of(tree: MerkleTree) -> Iterable[Any]:
    """The values `build_tree_file` takes for an in-memory tree: hashes, or (hash, code) pairs."""
    codes = tree.codes
    if codes is None:
        return tree.values
    return ((v, codes[v]) for v in tree.values)


class TreeShelf:
    """Tree files under one folder, named by root; at most `keep` held open (thread-safe)."""

    def __init__(self, folder: str | Path, *, keep: int = KEEP_OPEN) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self._open: OrderedDict[str, TreeFile] = OrderedDict()
        self._lock = threading.Lock()

    def path_for(self, root: str) -> Path:
        return self.folder / f"{root.lower().removeprefix('0x')}.tree"

    def get(
        self,
        root: str,
        *,
        beside: Sequence[Path] = (),
        leaves: Callable[[], tuple[bool, Iterable[Any]]] | None = None,
        what: str = "the root asked for",
        source: str = "the manifest",
    ) -> TreeFile:
        """The tree file of `root`: open already, on the shelf, at one of `beside`, or built onto the
        shelf from `leaves()` = (coded, values): content hashes, or (hash, code) pairs if coded;
        repeats dropped. A NotFoundError (code `tree-unavailable`) if there is none and nothing to
        build it from; a ValidationError (code `manifest-root-mismatch`) if those values make another root."""
        root = root.lower()
        with self._lock:
            opened = self._open.get(root)
            if opened is not None and opened.path.exists():
                self._open.move_to_end(root)
                return opened
            for path in (self.path_for(root), *beside):
                found = self._try(path, root, what)
                if found is not None:
                    return self._keep(root, found)
            if leaves is None:
                raise NotFoundError(f"no tree file for root {root} is kept here", code="tree-unavailable")
            return self._rebuild(root, leaves, what, source)

    def rebuild(
        self, root: str, leaves: Callable[[], tuple[bool, Iterable[Any]]], *, what: str = "the root asked for",
        source: str = "the manifest",
    ) -> TreeFile:
        """`get`'s build, whatever the shelf holds: what `leaves()` lists must make `root` (a reader
        that trusts a manifest's items, not only its tree, checks them so)."""
        with self._lock:
            return self._rebuild(root.lower(), leaves, what, source)

    def put(self, values: Iterable[Any], *, coded: bool = False) -> TreeFile:
        """Build the tree of `values` onto the shelf (as `<root>.tree`) and keep it open."""
        with self._lock:
            built = self._build(values, coded=coded)
            return self._keep(built.root, built)

    def put_tree(self, tree: Tree) -> TreeFile:
        """Keep `tree` on the shelf: a TreeFile as it is, a MerkleTree written to its tree file."""
        if isinstance(tree, TreeFile):
            target = self.path_for(tree.root)
            if tree.path.resolve() != target.resolve():
                self.folder.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                try:
                    os.link(tree.path, target)  # one more name for the same bytes; elsewhere, found beside
                except OSError:
                    LOG.debug("tree file %s stays where it is (no link to %s)", tree.path, target)
            with self._lock:
                return self._keep(tree.root, TreeFile(target if target.exists() else tree.path))
        found = self._try(self.path_for(tree.root), tree.root, "this tree's root")
        if found is not None:
            with self._lock:
                return self._keep(tree.root, found)
        return self.put(values_of(tree), coded=tree.coded)

    def close(self) -> None:
        with self._lock:
            for tree in self._open.values():
                tree.close()
            self._open.clear()

    # ------------------------------------------------------------------ inside

    def _try(self, path: Path, root: str, what: str) -> TreeFile | None:
        if not path.is_file():
            return None
        try:
            tree = TreeFile(path)
        except ValidationError as exc:
            LOG.warning("%s; rebuilding it", exc)
            return None
        try:
            return tree.expect_root(root, what=what)
        except ValidationError as exc:
            tree.close()
            LOG.warning("%s; rebuilding it", exc)
            return None

    def _rebuild(
        self, root: str, leaves: Callable[[], tuple[bool, Iterable[Any]]], what: str, source: str
    ) -> TreeFile:
        coded, values = leaves()
        built = self._build(values, coded=coded, final=False)
        if built.root != root:
            built.close()
            built.path.unlink(missing_ok=True)
            raise ValidationError(f"{source} makes root {built.root}, but {what} is {root}",
                                  code="manifest-root-mismatch")  # fmt: skip
        built.close()
        built.path.replace(self.path_for(root))
        return self._keep(root, TreeFile(self.path_for(root)))

    def _build(self, values: Iterable[Any], *, coded: bool, final: bool = True) -> TreeFile:
        self.folder.mkdir(parents=True, exist_ok=True)
        scratch = self.folder / f".building-{os.getpid()}-{threading.get_ident()}.tree"
        if not final:  # the caller checks the root, then names the file
            return build_tree_file(values, scratch, distinct=True, coded=coded)
        try:
            with build_tree_file(values, scratch, distinct=True, coded=coded) as built:
                root = built.root
            target = self.path_for(root)
            scratch.replace(target)
        finally:
            scratch.unlink(missing_ok=True)
        return TreeFile(target)

    def _keep(self, root: str, tree: TreeFile) -> TreeFile:
        # A file dropped from the shelf is not closed here: a reader in another thread may still be
        # reading a proof from it; its handle closes when the last reference goes.
        self._open.pop(root, None)
        self._open[root] = tree
        while len(self._open) > self.keep:
            self._open.popitem(last=False)
        return tree


__all__ = ["KEEP_OPEN", "Tree", "TreeShelf", "values_of"]
