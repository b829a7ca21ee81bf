const http = require("http");
http.createServer((req, res) => res.end("<h1>web</h1>")).listen(process.env.PORT || 8080);
