const http = require("http");
http.createServer((req, res) => res.end(JSON.stringify({ path: req.url, version: 1 }))).listen(process.env.PORT || 8080);
