#!/usr/bin/python3
"""The fixtures of tests/atomic/fixtures: what atomic leaves in a root,
without the deployments' rootfs (README.md).  Plain python3: the tests that
always run use it.

  fixture.py snapshot ROOT DEST [STANDIN]  copy ROOT's files, normalised, to DEST
  fixture.py compare  EXPECTED ACTUAL      ACTUAL (a snapshot) is what EXPECTED says
  fixture.py restore  FIXTURE ROOT REPO    a root as atomic left it: FIXTURE plus
                                           each deployment's rootfs checked out
                                           from the OSTree repository REPO

Normalised in a snapshot, so that a recording is the same on every machine
and sc-build's output can be compared with it:
- STANDIN, the directory the atomic driver used in place of the host's /,
  is removed from every file and link (DESTDIR, WorkingDirectory, the NAME
  link), leaving the paths atomic writes on a host;
- info's "created" (the install time) becomes 0;
- the ALL_PROCESS_CAPABILITIES value (the capabilities the running kernel
  knows, /proc/sys/kernel/cap_last_cap) becomes CAPS."""
import ast
import json
import os
import shutil
import subprocess
import sys

CONTAINERS = "var/lib/containers/atomic"
CAPS = "@ALL_PROCESS_CAPABILITIES@"


def is_rootfs(rel):
    parts = rel.split(os.sep)
    return rel.startswith(CONTAINERS + os.sep) and len(parts) == 6 and parts[5] == "rootfs"


def normalise_info(text):
    info = json.loads(text)
    info["created"] = 0
    if "ALL_PROCESS_CAPABILITIES" in info.get("values", {}):
        info["values"]["ALL_PROCESS_CAPABILITIES"] = CAPS
    return json.dumps(info, indent=4) + "\n"


def snapshot(root, dest, standin=None):
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        dirs[:] = [d for d in dirs if not is_rootfs(os.path.normpath(os.path.join(rel_top, d)))]
        for name in dirs + files:
            src, out = os.path.join(top, name), os.path.join(dest, rel_top, name)
            if os.path.islink(src) or name in files:
                os.makedirs(os.path.dirname(out), exist_ok=True)  # not empty ones: git keeps none
            if os.path.islink(src):
                target = os.readlink(src)
                if standin and target.startswith(standin + "/"):
                    target = target[len(standin):]
                os.symlink(target, out)
            elif name in files:
                with open(src) as f:
                    text = f.read()
                if standin:
                    text = text.replace(standin + "/", "/")
                if name == "info":
                    text = normalise_info(text)
                with open(out, "w") as f:
                    f.write(text)


def tree(root):
    """Relative path -> ("link", basename of the target) or ("file", path)."""
    found = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                # atomic links NAME to the absolute path of NAME.N, sc-build
                # to NAME.N: both name the same deployment.
                found[rel] = ("link", os.path.basename(os.readlink(path)))
            elif name in files:
                found[rel] = ("file", path)
    return found


def compare_info(a, b):
    """sc-build's info is atomic's but for its own keys sc-build-image and
    sc-build-made-directories (the directories it made that atomic does not
    record); HOST_UID and HOST_GID, the number 0 in the fixtures (recorded
    as root), are the installer's."""
    ia, ib = json.load(open(a)), json.load(open(b))
    for key, now in (("HOST_UID", os.getuid()), ("HOST_GID", os.getgid())):
        if ia.get("values", {}).get(key) == 0:
            ia["values"][key] = now
    image = ib.pop("sc-build-image", "ostree:")
    errors = [] if image.startswith("ostree:") else ["sc-build-image %r" % image]
    ib.pop("sc-build-made-directories", None)
    for k in sorted(set(ia) | set(ib)):
        if ia.get(k) != ib.get(k):
            errors.append("%s: key %s is %r in atomic's, %r in sc-build's" % (b, k, ia.get(k), ib.get(k)))
    return errors


def compare(expected, actual):
    ta, tb = tree(expected), tree(actual)
    errors = ["%s: missing (atomic wrote it)" % os.path.join(actual, rel) for rel in sorted(set(ta) - set(tb))]
    errors += ["%s: atomic does not write it" % os.path.join(actual, rel) for rel in sorted(set(tb) - set(ta))]
    for rel in sorted(set(ta) & set(tb)):
        (kind_a, a), (kind_b, b) = ta[rel], tb[rel]
        if kind_a != kind_b or (kind_a == "link" and a != b):
            errors.append("%s: %s %s, atomic's %s %s" % (rel, kind_b, b, kind_a, a))
        elif kind_a == "file" and os.path.basename(rel) == "info":
            errors += compare_info(a, b)
        elif kind_a == "file" and open(a, "rb").read() != open(b, "rb").read():
            diff = subprocess.run(["diff", "-u", a, b], stdout=subprocess.PIPE, universal_newlines=True)
            errors.append("%s differs from atomic's:\n%s" % (rel, diff.stdout))
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


def checkout_image(repo, image, rootfs):
    """The image's layers, in order, as atomic checks them out (union)."""
    branch = "ociimage/" + image.replace(":", "_3A")
    text = subprocess.check_output(["ostree", "--repo=" + repo, "show", "--print-metadata-key=docker.manifest",
                                    branch], universal_newlines=True)
    manifest = json.loads(ast.literal_eval(text.strip()))  # GVariant's text form of a string
    for layer in manifest["layers"]:
        ref = "ociimage/" + layer["digest"].split(":", 1)[1]
        subprocess.check_call(["ostree", "--repo=" + repo, "checkout", "--union", ref, rootfs])


def restore(fixture, root, repo):
    shutil.copytree(fixture, root, symlinks=True)
    containers = os.path.join(root, CONTAINERS)
    for name in sorted(os.listdir(containers)):
        info = os.path.join(containers, name, "info")
        if not os.path.islink(os.path.join(containers, name)) and os.path.isfile(info):
            checkout_image(repo, json.load(open(info))["image"], os.path.join(containers, name, "rootfs"))


def main(argv):
    if argv[1:2] == ["snapshot"] and len(argv) in (4, 5):
        snapshot(argv[2], argv[3], os.path.abspath(argv[4]) if len(argv) == 5 else None)
    elif argv[1:2] == ["compare"] and len(argv) == 4:
        return compare(argv[2], argv[3])
    elif argv[1:2] == ["restore"] and len(argv) == 5:
        restore(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
