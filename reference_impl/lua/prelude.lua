-- The sandbox user Lua runs in (filter_func, serverless functions), and the part of
-- OpenResty's `ngx` and APISIX's `core` that their documented examples use. `py` holds the
-- Python side's callbacks, which act on the request being served (see runtime.py).
-- The request body is not offered (no plugin of the reference reads it): code calling
-- ngx.req.read_body or get_body_data fails instead of reading nothing.
local py = ...

local loadstring, setfenv, pcall, error = loadstring, setfenv, pcall, error
local select, tostring, type, pairs = select, tostring, type, pairs
local concat = table.concat

local function copy(t)
    local out = {}
    for k, v in pairs(t) do out[k] = v end
    return out
end

local function joined(...)
    local parts = {}
    for i = 1, select("#", ...) do
        local v = select(i, ...)
        if type(v) == "table" then
            v = concat(v)
        end
        parts[i] = tostring(v)
    end
    return concat(parts)
end

-- ngx.exit ends the user function: this marker unwinds it to `invoke`
local EXIT = setmetatable({}, {__tostring = function() return "ngx.exit" end})

local registered_vars = {}
local var = setmetatable({}, {
    __index = function(_, name)
        local getter = registered_vars[name]
        if getter then
            return getter(py.lua_ctx())
        end
        return py.var(name)
    end,
    __newindex = function(_, name, value) py.set_var(name, value) end,
})

local ngx = {
    OK = 0, ERROR = -1, AGAIN = -2, DONE = -4, DECLINED = -5,
    STDERR = 0, EMERG = 1, ALERT = 2, CRIT = 3, ERR = 4, WARN = 5, NOTICE = 6, INFO = 7,
    DEBUG = 8,
    HTTP_OK = 200, HTTP_CREATED = 201, HTTP_NO_CONTENT = 204,
    HTTP_MOVED_PERMANENTLY = 301, HTTP_MOVED_TEMPORARILY = 302, HTTP_NOT_MODIFIED = 304,
    HTTP_BAD_REQUEST = 400, HTTP_UNAUTHORIZED = 401, HTTP_FORBIDDEN = 403,
    HTTP_NOT_FOUND = 404, HTTP_NOT_ALLOWED = 405, HTTP_TOO_MANY_REQUESTS = 429,
    HTTP_INTERNAL_SERVER_ERROR = 500, HTTP_BAD_GATEWAY = 502,
    HTTP_SERVICE_UNAVAILABLE = 503, HTTP_GATEWAY_TIMEOUT = 504,
    var = var,
}
ngx.say = function(...) py.out(joined(...) .. "\n") return 1 end
ngx.print = function(...) py.out(joined(...)) return 1 end
ngx.exit = function(status)
    py.exit(status)
    error(EXIT, 0)
end
ngx.log = function(level, ...) py.log(level, joined(...)) end
ngx.time = function() return py.time(false) end
ngx.now = function() return py.time(true) end
ngx.md5 = py.md5
ngx.encode_base64 = py.encode_base64
ngx.decode_base64 = py.decode_base64
ngx.escape_uri = py.escape_uri
ngx.unescape_uri = py.unescape_uri
-- header names are found case-insensitively, `_` for `-`, as OpenResty's tables do
local header_lookup = {
    __index = function(t, name)
        if type(name) == "string" then
            return rawget(t, (name:lower():gsub("_", "-")))
        end
    end,
}
local function request_headers()
    return setmetatable(py.get_headers(), header_lookup)
end

ngx.req = {
    get_headers = request_headers,
    set_header = function(name, value) py.set_header(name, value) end,
    clear_header = function(name) py.set_header(name, nil) end,
    get_method = function() return py.var("request_method") end,
    get_uri_args = function() return py.get_uri_args() end,
}
ngx.header = setmetatable({}, {
    __index = function(_, name) return py.resp_header(name) end,
    __newindex = function(_, name, value) py.set_resp_header(name, value) end,
})
ngx.arg = setmetatable({}, {
    __index = function(_, i) return py.arg(i) end,
    __newindex = function(_, i, value) py.set_arg(i, value) end,
})
setmetatable(ngx, {
    __index = function(_, name)
        if name == "status" then return py.status() end
        if name == "ctx" then return py.ngx_ctx() end
    end,
    __newindex = function(_, name, value)
        if name == "status" then
            py.set_status(value)
        else
            rawset(ngx, name, value)
        end
    end,
})

local json = {
    encode = function(value) return py.json_encode(value) end,
    decode = function(text) return py.json_decode(text) end,
}

local function log_at(level)
    return function(...) py.log(level, joined(...)) end
end

local function request_ctx_and(first, ...)
    -- core.request.* take the request's ctx (or nil) first; set_header also goes without
    if type(first) ~= "string" then
        return ...
    end
    return first, ...
end

local core = {
    json = json,
    log = {
        error = log_at(ngx.ERR), warn = log_at(ngx.WARN), notice = log_at(ngx.NOTICE),
        info = log_at(ngx.INFO), debug = log_at(ngx.DEBUG),
    },
    response = {},
    request = {
        header = function(...)
            local name = request_ctx_and(...)
            return py.req_header(name)
        end,
        headers = request_headers,
        set_header = function(...)
            local name, value = request_ctx_and(...)
            py.set_header(name, value)
        end,
        get_method = function() return py.var("request_method") end,
        get_uri_args = function() return py.get_uri_args() end,
    },
    ctx = {
        register_var = function(name, getter) registered_vars[name] = getter end,
    },
    string = copy(string),
    table = copy(table),
}
-- as APISIX's resp_exit: tables are sent as JSON and a newline; a first argument that is
-- not a number is part of the body
core.response.exit = function(code, ...)
    local parts = {}
    if code ~= nil and type(code) ~= "number" then
        parts[1] = tostring(code)
        code = nil
    end
    for i = 1, select("#", ...) do
        local v = select(i, ...)
        if type(v) == "table" then
            parts[#parts + 1] = py.json_encode(v) .. "\n"
        elseif v ~= nil then
            parts[#parts + 1] = tostring(v)
        end
    end
    if #parts > 0 then
        py.out(concat(parts))
    end
    if code then
        ngx.exit(code)
    end
end
core.response.set_header = function(name, value) py.set_resp_header(name, value) end
core.response.add_header = function(name, value) py.add_resp_header(name, value) end
core.response.clear_header_as_body_modified = function()
    py.set_resp_header("Content-Length", nil)
    py.set_resp_header("ETag", nil)
    py.set_resp_header("Last-Modified", nil)
end
core.response.hold_body_chunk = function() return py.hold_body_chunk() end

local modules = {
    ["apisix.core"] = core,
    cjson = json,
    ["cjson.safe"] = json,
}

-- what user code sees as its globals: no io, os.execute, load of files, debug or FFI
local sandbox = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = pcall, xpcall = xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, unpack = unpack, rawget = rawget, rawset = rawset,
    rawequal = rawequal, setmetatable = setmetatable, getmetatable = getmetatable,
    string = copy(string), table = copy(table), math = copy(math),
    os = {time = os.time, clock = os.clock, date = os.date},
    ngx = ngx,
    require = function(name)
        local module = modules[name]
        if module == nil then
            error("module '" .. tostring(name) .. "' not found in the gateway's Lua sandbox", 2)
        end
        return module
    end,
}
sandbox._G = sandbox

-- user chunks run top-level code only at compile time: bounded, so a loop can't hang
local CHUNK_BUDGET = 1000000

local function run_bounded(chunk)
    jit.off(chunk, true)
    debug.sethook(function() error("the code ran too long", 2) end, "", CHUNK_BUDGET)
    local ok, result = pcall(chunk)
    debug.sethook()
    return ok, result
end

local api = {}

-- loadstring as APISIX calls it (the source is the chunk name), in the sandbox
function api.load(source)
    local chunk, err = loadstring(source)
    if chunk then
        setfenv(chunk, sandbox)
    end
    return chunk, err
end

-- "ok", the function's results | "exit" (ngx.exit) | "error", message
function api.invoke(fn, a, b)
    local ok, r1, r2 = pcall(fn, a, b)
    if ok then
        return "ok", r1, r2
    end
    if r1 == EXIT then
        return "exit", nil, nil
    end
    return "error", tostring(r1), nil
end

-- APISIX's api_ctx as user code sees it: its fields are read from the request when used
-- (the route's and the match's are kept: they do not change in a request)
local KEPT_CTX_FIELDS = {matched_route = true, curr_req_matched = true}
local ctx_meta = {
    __index = function(t, name)
        if name == "var" then
            return var
        end
        local value = py.ctx_field(name)
        if KEPT_CTX_FIELDS[name] then
            rawset(t, name, value)
        end
        return value
    end,
}

function api.new_ctx()
    return setmetatable({}, ctx_meta)
end

-- a template's render function (lua/template.py) with the names of its view's context
-- first, then the sandbox's, as lua-resty-template renders
function api.render(fn, context)
    setfenv(fn, setmetatable({}, {__index = function(_, name)
        local value = context[name]
        if value == nil then
            return sandbox[name]
        end
        return value
    end}))
    return fn()
end

api.run_bounded = run_bounded
api.var = var

return api
