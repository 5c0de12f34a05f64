"""Conformance of `chokepoint intel` with real peers (run by scripts/tests.d/intel.sh).

- every bundle chokepoint writes passes stix2-validator (no errors), each pattern passes
  stix2-patterns, and the OASIS stix2 library parses every object;
- taxii2-client drives a running `chokepoint intel serve`: discovery -> API root -> collections
  -> add_objects -> status -> as_pages walk -> manifest -> versions -> single object.

Usage: intel_peers.py validate BUNDLE...
       intel_peers.py taxii DISCOVERY_URL API_KEY BUNDLE
"""
import json
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def validate(paths):
    import stix2
    from stix2patterns.validator import run_validator
    from stix2validator import ValidationOptions, validate_file

    for path in paths:
        results = validate_file(path, ValidationOptions(version="2.1"))
        if not results.is_valid:
            for r in results.object_results:
                for e in r.errors:
                    print(f"  {r.object_id}: {e}")
            fail(f"stix2-validator rejects {path}")
        with open(path) as f:
            bundle = json.load(f)
        n_patterns = 0
        for obj in bundle.get("objects", []):
            if obj.get("type") == "indicator" and obj.get("pattern_type") == "stix":
                errs = run_validator(obj["pattern"], stix_version="2.1")
                if errs:
                    fail(f"stix2-patterns rejects {obj['id']}: {errs}")
                n_patterns += 1
            # allow_custom: chokepoint's extension properties are declared by an
            # extension-definition, which stix2 reads as a custom extension.
            parsed = stix2.parse(obj, allow_custom=True, version="2.1")
            if parsed["id"] != obj["id"]:
                fail(f"stix2 parsed {obj['id']} as {parsed['id']}")
        print(f"ok: {path}: {len(bundle.get('objects', []))} objects valid (stix2-validator, stix2), "
              f"{n_patterns} patterns valid (stix2-patterns)")


def taxii(discovery_url, api_key, bundle_path):
    from taxii2client.v21 import Server, as_pages

    with open(bundle_path) as f:
        bundle = json.load(f)
    objects = bundle["objects"]
    server = Server(discovery_url, user="chokepoint", password=api_key)
    if not server.title:
        fail("discovery has no title")
    roots = server.api_roots
    if not roots:
        fail("no API roots")
    root = server.default or roots[0]
    if "application/taxii+json;version=2.1" not in root.versions:
        fail(f"API root versions {root.versions}")
    writable = [c for c in root.collections if c.can_write]
    if not writable:
        fail("no writable collection")
    coll = writable[0]
    status = coll.add_objects({"objects": objects})
    if status.status != "complete" or status.failure_count != 0:
        fail(f"add_objects: {status.status} failures={status.failures}")
    if status.success_count + status.failure_count + status.pending_count != status.total_count:
        fail("status counts do not add up")
    status.refresh()  # GET status/<id> as the client builds it
    if status.success_count != len(objects):
        fail(f"status success_count {status.success_count} != {len(objects)}")
    seen = []
    pages = 0
    for envelope in as_pages(coll.get_objects, per_request=7):
        pages += 1
        seen.extend(o["id"] for o in envelope.get("objects", []))
    expected = {o["id"] for o in objects}
    if set(seen) != expected or len(seen) != len(set(seen)):
        fail(f"as_pages walk saw {len(seen)} objects ({len(set(seen))} distinct), expected {len(expected)}")
    manifest_ids = []
    for envelope in as_pages(coll.get_manifest, per_request=5):
        manifest_ids.extend(m["id"] for m in envelope.get("objects", []))
    if set(manifest_ids) != expected:
        fail("manifest does not list every object")
    some = objects[-1]["id"]
    versions = coll.object_versions(some)
    if not versions.get("versions"):
        fail("no versions")
    one = coll.get_object(some)
    if one["objects"][0]["id"] != some:
        fail("get_object returned another object")
    filtered = coll.get_objects(type="indicator")
    if any(o["type"] != "indicator" for o in filtered.get("objects", [])):
        fail("match[type] filter ignored")
    print(f"ok: taxii2-client: discovery, API root, collections, add_objects ({len(objects)}), status, "
          f"as_pages ({pages} pages), manifest, versions, get_object, match[type]")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "validate":
        validate(sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "taxii":
        taxii(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__)
        sys.exit(2)
