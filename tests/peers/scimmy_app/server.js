// A small Express app over SCIMMY 1.3 and scimmy-routers 1.3: the peer that
// tests/peers/test_scimmy.py runs our conformance suite against.
//
// SCIMMY leaves storage to the application: it calls an ingress handler to
// create or replace a resource, egress to read one or a list, and degress to
// delete one (see SCIMMY.Types.Resource~IngressHandler and friends). The
// handlers below keep Users and Groups in memory, the way a small service would
// keep them in a database table. They do what an application must do and
// nothing that SCIMMY already does: ids and timestamps, userName uniqueness
// (SCIMMY declares it but leaves enforcing it to storage), 404 for unknown ids,
// a User's readOnly `groups` computed from the Groups, and memberships removed
// when a User is deleted. Parsing, validation, filter matching
// (SCIMMY.Types.Filter#match), sorting, paging, projection, PATCH and the HTTP
// layer are SCIMMY's and scimmy-routers'; they are used as documented and not
// corrected here, so that what our suite measures is SCIMMY.
//
//   node server.js --port PORT --token TOKEN
//
// It listens on 127.0.0.1 only; the SCIM base URL is http://127.0.0.1:PORT/scim/v2.
// The dependencies come from NODE_PATH (a cache folder where package.json was
// installed), so this file is CommonJS.
"use strict";

const crypto = require("node:crypto");
const express = require("express");
const {SCIMMY, SCIMMYRouters} = require("scimmy-routers");

function option(name) {
    const index = process.argv.indexOf(`--${name}`);
    const value = index >= 0 ? process.argv[index + 1] : undefined;
    if (!value) {
        process.stderr.write(`usage: node server.js --port PORT --token TOKEN (missing --${name})\n`);
        process.exit(2);
    }
    return value;
}

const PORT = Number(option("port"));
const TOKEN = option("token");

const users = new Map();
const groups = new Map();

// A deep copy that drops the getters SCIMMY's schema instances carry, as a
// database would store and return plain values.
const plain = (value) => JSON.parse(JSON.stringify(value));
const notFound = (id) => new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);

// The stored record for a create (no resource.id) or a replace (resource.id): the
// instance as SCIMMY parsed it (schemas included, so that filters can see them), with
// the id and timestamps the provider owns.
function record(table, resource, instance) {
    const now = new Date().toISOString();
    const data = plain(instance);
    delete data.meta;
    delete data.id;
    if (resource.id === undefined) {
        return {...data, id: crypto.randomUUID(), meta: {created: now, lastModified: now}};
    }
    const existing = table.get(resource.id);
    if (existing === undefined) throw notFound(resource.id);
    return {...data, id: existing.id, meta: {created: existing.meta.created, lastModified: now}};
}

function list(resource, items) {
    return resource.filter === undefined ? items : resource.filter.match(items);
}

// User.groups is readOnly and belongs to the service provider (RFC 7643 §4.1.2):
// it is derived from the Groups' members on every read.
function withGroups(user) {
    const memberOf = [...groups.values()]
        .filter((group) => (group.members ?? []).some((member) => member.value === user.id))
        .map((group) => ({value: group.id, display: group.displayName, type: "direct"}));
    return memberOf.length ? {...plain(user), groups: memberOf} : plain(user);
}

// Users carry the enterprise extension (RFC 7643 §4.3), optional on each User.
SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress((resource, instance) => {
        const user = record(users, resource, instance);
        // userName is unique across the provider, compared without case (caseExact false).
        const wanted = String(user.userName).toLowerCase();
        for (const other of users.values()) {
            if (other.id !== user.id && String(other.userName).toLowerCase() === wanted) {
                throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${user.userName} is already taken`);
            }
        }
        users.set(user.id, user);
        return withGroups(user);
    })
    .egress((resource) => {
        if (resource.id !== undefined) {
            const user = users.get(resource.id);
            if (user === undefined) throw notFound(resource.id);
            return withGroups(user);
        }
        return list(resource, [...users.values()].map(withGroups));
    })
    .degress((resource) => {
        if (!users.delete(resource.id)) throw notFound(resource.id);
        for (const group of groups.values()) {
            if (group.members) group.members = group.members.filter((member) => member.value !== resource.id);
        }
    });

SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((resource, instance) => {
        const group = record(groups, resource, instance);
        groups.set(group.id, group);
        return plain(group);
    })
    .egress((resource) => {
        if (resource.id !== undefined) {
            const group = groups.get(resource.id);
            if (group === undefined) throw notFound(resource.id);
            return plain(group);
        }
        return list(resource, [...groups.values()].map(plain));
    })
    .degress((resource) => {
        if (!groups.delete(resource.id)) throw notFound(resource.id);
    });

const app = express();
app.use("/scim/v2", new SCIMMYRouters({
    type: "bearer",
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${TOKEN}`) {
            throw new Error("Authorization failed: a valid bearer token is required");
        }
        return undefined;
    },
    // Absolute meta.location values, as a deployed service would configure them.
    baseUri: (request) => `${request.protocol}://${request.get("host")}`,
}));

const server = app.listen(PORT, "127.0.0.1", () => {
    process.stdout.write(`SCIMMY peer at http://127.0.0.1:${PORT}/scim/v2\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
