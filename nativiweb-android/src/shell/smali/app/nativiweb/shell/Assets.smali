# Serves the bundled web app from assets/<asset_root>/ at https://<asset_host>/ (by default
# https://appassets.androidplatform.net/, the host Android reserves for this), so pages get a
# real https origin: fetch, ES modules, cookies, storage and service workers work as on the web.
.class public final Lapp/nativiweb/shell/Assets;
.super Ljava/lang/Object;
.source "Assets.smali"

.method private constructor <init>()V
    .registers 1
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method

# The response for a request to the asset host, or null to let the WebView load it itself.
# In order: a path ending in / gets its index.html; the file itself; for a path without an
# extension, path.html (static exports with "file" URLs: Next.js trailingSlash: false, Astro
# build.format 'file', SvelteKit); a folder with an index.html asked without its trailing slash
# gets a small page that moves to path/ (toFolder), so the index's relative links resolve inside
# the folder; then a page navigation, or a path without an extension (a client-side route),
# gets the root index.html (single-page-app fallback); anything else is a 404.
.method public static serve(Lapp/nativiweb/shell/MainActivity;Landroid/webkit/WebResourceRequest;)Landroid/webkit/WebResourceResponse;
    .registers 12
    iget-object v0, p0, Lapp/nativiweb/shell/MainActivity;->settings:Lorg/json/JSONObject;
    if-eqz v0, :pass
    invoke-interface {p1}, Landroid/webkit/WebResourceRequest;->getUrl()Landroid/net/Uri;
    move-result-object v1
    invoke-virtual {v1}, Landroid/net/Uri;->getScheme()Ljava/lang/String;
    move-result-object v2
    const-string v3, "https"
    invoke-virtual {v3, v2}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v2
    if-eqz v2, :pass
    invoke-virtual {v1}, Landroid/net/Uri;->getHost()Ljava/lang/String;
    move-result-object v2
    const-string v3, "asset_host"
    const-string v4, "appassets.androidplatform.net"
    invoke-virtual {v0, v3, v4}, Lorg/json/JSONObject;->optString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v3
    invoke-virtual {v3, v2}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v2
    if-eqz v2, :pass

    # v2 = the decoded path without its leading slash
    invoke-virtual {v1}, Landroid/net/Uri;->getPath()Ljava/lang/String;
    move-result-object v2
    if-nez v2, :have_path
    const-string v2, ""
    :have_path
    const-string v3, "/"
    invoke-virtual {v2, v3}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v4
    if-eqz v4, :relative
    const/4 v4, 0x1
    invoke-virtual {v2, v4}, Ljava/lang/String;->substring(I)Ljava/lang/String;
    move-result-object v2
    :relative
    invoke-virtual {v2}, Ljava/lang/String;->length()I
    move-result v4
    if-eqz v4, :add_index
    invoke-virtual {v2, v3}, Ljava/lang/String;->endsWith(Ljava/lang/String;)Z
    move-result v4
    if-eqz v4, :path_ready
    :add_index
    const-string v4, "index.html"
    invoke-virtual {v2, v4}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v2
    :path_ready

    # v3 = "<asset_root>/", v4 = the AssetManager
    const-string v3, "asset_root"
    const-string v4, "www"
    invoke-virtual {v0, v3, v4}, Lorg/json/JSONObject;->optString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v3
    const-string v4, "/"
    invoke-virtual {v3, v4}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v3
    invoke-virtual {p0}, Landroid/content/Context;->getAssets()Landroid/content/res/AssetManager;
    move-result-object v4

    # the file itself
    invoke-virtual {v3, v2}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    invoke-static {v4, v5}, Lapp/nativiweb/shell/Assets;->open(Landroid/content/res/AssetManager;Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v5
    if-nez v5, :found

    # a route without an extension: path.html
    invoke-static {v2}, Lapp/nativiweb/shell/Assets;->extension(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-virtual {v6}, Ljava/lang/String;->length()I
    move-result v6
    if-nez v6, :folder
    const-string v6, ".html"
    invoke-virtual {v2, v6}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-virtual {v3, v6}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v7
    invoke-static {v4, v7}, Lapp/nativiweb/shell/Assets;->open(Landroid/content/res/AssetManager;Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v5
    if-eqz v5, :folder
    move-object v2, v6
    goto :found

    # a folder with an index.html, without the trailing slash: move the page to path/
    :folder
    const-string v6, "/index.html"
    invoke-virtual {v2, v6}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-virtual {v3, v6}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-static {v4, v6}, Lapp/nativiweb/shell/Assets;->exists(Landroid/content/res/AssetManager;Ljava/lang/String;)Z
    move-result v6
    if-eqz v6, :fallback
    invoke-static {v1}, Lapp/nativiweb/shell/Assets;->toFolder(Landroid/net/Uri;)Landroid/webkit/WebResourceResponse;
    move-result-object v6
    return-object v6

    # single-page-app fallback for navigations and extension-less routes
    :fallback
    invoke-interface {p1}, Landroid/webkit/WebResourceRequest;->isForMainFrame()Z
    move-result v6
    if-nez v6, :spa
    invoke-static {v2}, Lapp/nativiweb/shell/Assets;->extension(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-virtual {v6}, Ljava/lang/String;->length()I
    move-result v6
    if-nez v6, :not_found
    :spa
    const-string v2, "index.html"
    invoke-virtual {v3, v2}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    invoke-static {v4, v6}, Lapp/nativiweb/shell/Assets;->open(Landroid/content/res/AssetManager;Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v5
    if-nez v5, :found

    :not_found
    new-instance v6, Ljava/io/ByteArrayInputStream;
    const/4 v7, 0x0
    new-array v7, v7, [B
    invoke-direct {v6, v7}, Ljava/io/ByteArrayInputStream;-><init>([B)V
    const-string v7, "text/plain"
    const-string v8, "utf-8"
    const/16 v9, 0x194
    const-string v2, "Not Found"
    invoke-static {v7, v8, v9, v2, v6}, Lapp/nativiweb/shell/Assets;->respond(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/io/InputStream;)Landroid/webkit/WebResourceResponse;
    move-result-object v6
    return-object v6

    # v5 = the stream, v2 = its path under the root: type it from settings.mime[extension],
    # a [type, charset] pair ("" for binary files).
    :found
    invoke-static {v2}, Lapp/nativiweb/shell/Assets;->extension(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v6
    const-string v8, "application/octet-stream"
    const/4 v9, 0x0
    const-string v7, "mime"
    invoke-virtual {v0, v7}, Lorg/json/JSONObject;->optJSONObject(Ljava/lang/String;)Lorg/json/JSONObject;
    move-result-object v7
    if-eqz v7, :typed
    invoke-virtual {v7, v6}, Lorg/json/JSONObject;->optJSONArray(Ljava/lang/String;)Lorg/json/JSONArray;
    move-result-object v7
    if-eqz v7, :typed
    const/4 v6, 0x0
    invoke-virtual {v7, v6, v8}, Lorg/json/JSONArray;->optString(ILjava/lang/String;)Ljava/lang/String;
    move-result-object v8
    const/4 v6, 0x1
    const-string v9, ""
    invoke-virtual {v7, v6, v9}, Lorg/json/JSONArray;->optString(ILjava/lang/String;)Ljava/lang/String;
    move-result-object v9
    invoke-virtual {v9}, Ljava/lang/String;->length()I
    move-result v6
    if-nez v6, :typed
    const/4 v9, 0x0
    :typed
    const/16 v6, 0xc8
    const-string v7, "OK"
    invoke-static {v8, v9, v6, v7, v5}, Lapp/nativiweb/shell/Assets;->respond(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/io/InputStream;)Landroid/webkit/WebResourceResponse;
    move-result-object v6
    return-object v6

    :pass
    const/4 v0, 0x0
    return-object v0
.end method

# A response with Cache-Control: no-cache, so a new APK's files are never hidden by the
# WebView's HTTP cache.
.method public static respond(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/io/InputStream;)Landroid/webkit/WebResourceResponse;
    .registers 13
    new-instance v0, Ljava/util/HashMap;
    invoke-direct {v0}, Ljava/util/HashMap;-><init>()V
    const-string v1, "Cache-Control"
    const-string v2, "no-cache"
    invoke-interface {v0, v1, v2}, Ljava/util/Map;->put(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;
    new-instance v1, Landroid/webkit/WebResourceResponse;
    move-object v2, p0
    move-object v3, p1
    move v4, p2
    move-object v5, p3
    move-object v6, v0
    move-object v7, p4
    invoke-direct/range {v1 .. v7}, Landroid/webkit/WebResourceResponse;-><init>(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/util/Map;Ljava/io/InputStream;)V
    return-object v1
.end method

# A page that moves to uri's path + "/" (keeping the query, and the fragment through
# location.hash): a static export's folder index.html asked as /docs must be shown at /docs/, or
# its relative links resolve against /. A small HTML page, status 200, because
# WebResourceResponse refuses 3xx codes; the script moves at once (location.replace, so back
# does not return here), the meta refresh is a fallback.
.method public static toFolder(Landroid/net/Uri;)Landroid/webkit/WebResourceResponse;
    .registers 8
    # v0 = the target: encoded path + "/" (+ "?" + encoded query), escaped for an attribute
    invoke-virtual {p0}, Landroid/net/Uri;->getEncodedPath()Ljava/lang/String;
    move-result-object v0
    if-nez v0, :have_path
    const-string v0, ""
    :have_path
    const-string v1, "/"
    invoke-virtual {v0, v1}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    invoke-virtual {p0}, Landroid/net/Uri;->getEncodedQuery()Ljava/lang/String;
    move-result-object v1
    if-eqz v1, :escape
    const-string v2, "?"
    invoke-virtual {v0, v2}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    invoke-virtual {v0, v1}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    :escape
    const-string v1, "&"
    const-string v2, "&amp;"
    invoke-virtual {v0, v1, v2}, Ljava/lang/String;->replace(Ljava/lang/CharSequence;Ljava/lang/CharSequence;)Ljava/lang/String;
    move-result-object v0
    const-string v1, "\""
    const-string v2, "&quot;"
    invoke-virtual {v0, v1, v2}, Ljava/lang/String;->replace(Ljava/lang/CharSequence;Ljava/lang/CharSequence;)Ljava/lang/String;
    move-result-object v0
    const-string v1, "<"
    const-string v2, "&lt;"
    invoke-virtual {v0, v1, v2}, Ljava/lang/String;->replace(Ljava/lang/CharSequence;Ljava/lang/CharSequence;)Ljava/lang/String;
    move-result-object v0
    const-string v1, ">"
    const-string v2, "&gt;"
    invoke-virtual {v0, v1, v2}, Ljava/lang/String;->replace(Ljava/lang/CharSequence;Ljava/lang/CharSequence;)Ljava/lang/String;
    move-result-object v0

    # the page
    const-string v1, "<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url="
    invoke-virtual {v1, v0}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v1
    const-string v0, "\"><script>location.replace(location.pathname+'/'+location.search+location.hash)</script>"
    invoke-virtual {v1, v0}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v1
    sget-object v0, Ljava/nio/charset/StandardCharsets;->UTF_8:Ljava/nio/charset/Charset;
    invoke-virtual {v1, v0}, Ljava/lang/String;->getBytes(Ljava/nio/charset/Charset;)[B
    move-result-object v0
    new-instance v1, Ljava/io/ByteArrayInputStream;
    invoke-direct {v1, v0}, Ljava/io/ByteArrayInputStream;-><init>([B)V
    const-string v2, "text/html"
    const-string v3, "utf-8"
    const/16 v4, 0xc8
    const-string v5, "OK"
    invoke-static {v2, v3, v4, v5, v1}, Lapp/nativiweb/shell/Assets;->respond(Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/io/InputStream;)Landroid/webkit/WebResourceResponse;
    move-result-object v0
    return-object v0
.end method

# Whether the asset exists (opens and closes it).
.method public static exists(Landroid/content/res/AssetManager;Ljava/lang/String;)Z
    .registers 3
    invoke-static {p0, p1}, Lapp/nativiweb/shell/Assets;->open(Landroid/content/res/AssetManager;Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v0
    if-eqz v0, :no
    :try_start
    invoke-virtual {v0}, Ljava/io/InputStream;->close()V
    :try_end
    .catch Ljava/io/IOException; {:try_start .. :try_end} :yes
    :yes
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# AssetManager.open, or null when there is no such file.
.method public static open(Landroid/content/res/AssetManager;Ljava/lang/String;)Ljava/io/InputStream;
    .registers 3
    :try_start
    invoke-virtual {p0, p1}, Landroid/content/res/AssetManager;->open(Ljava/lang/String;)Ljava/io/InputStream;
    move-result-object v0
    :try_end
    .catch Ljava/io/IOException; {:try_start .. :try_end} :missing
    return-object v0
    :missing
    const/4 v0, 0x0
    return-object v0
.end method

# The lowercase extension of a path's last segment ("" when it has none).
.method public static extension(Ljava/lang/String;)Ljava/lang/String;
    .registers 3
    const/16 v0, 0x2e
    invoke-virtual {p0, v0}, Ljava/lang/String;->lastIndexOf(I)I
    move-result v0
    const/16 v1, 0x2f
    invoke-virtual {p0, v1}, Ljava/lang/String;->lastIndexOf(I)I
    move-result v1
    if-le v0, v1, :none
    add-int/lit8 v0, v0, 0x1
    invoke-virtual {p0, v0}, Ljava/lang/String;->substring(I)Ljava/lang/String;
    move-result-object v0
    sget-object v1, Ljava/util/Locale;->ROOT:Ljava/util/Locale;
    invoke-virtual {v0, v1}, Ljava/lang/String;->toLowerCase(Ljava/util/Locale;)Ljava/lang/String;
    move-result-object v0
    return-object v0
    :none
    const-string v0, ""
    return-object v0
.end method

# Whether a navigation to uri stays in the app: the asset host, or an http(s) host listed in
# settings.allowed_hosts (exact, or "*.example.com" for its subdomains). An exact entry also
# covers the same host with or without "www." (example.com <-> www.example.com), so a site
# that redirects to its www. twin (or back) stays in the app.
.method public static inApp(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z
    .registers 10
    invoke-virtual {p1}, Landroid/net/Uri;->getScheme()Ljava/lang/String;
    move-result-object v0
    if-eqz v0, :no
    const-string v1, "https"
    invoke-virtual {v1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v1
    if-nez v1, :web
    const-string v1, "http"
    invoke-virtual {v1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v1
    if-eqz v1, :no
    :web
    invoke-virtual {p1}, Landroid/net/Uri;->getHost()Ljava/lang/String;
    move-result-object v0
    if-eqz v0, :no
    sget-object v1, Ljava/util/Locale;->ROOT:Ljava/util/Locale;
    invoke-virtual {v0, v1}, Ljava/lang/String;->toLowerCase(Ljava/util/Locale;)Ljava/lang/String;
    move-result-object v0
    iget-object v2, p0, Lapp/nativiweb/shell/MainActivity;->settings:Lorg/json/JSONObject;
    if-eqz v2, :no
    const-string v3, "asset_host"
    const-string v4, "appassets.androidplatform.net"
    invoke-virtual {v2, v3, v4}, Lorg/json/JSONObject;->optString(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v3
    invoke-virtual {v3, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v3
    if-nez v3, :yes
    const-string v3, "allowed_hosts"
    invoke-virtual {v2, v3}, Lorg/json/JSONObject;->optJSONArray(Ljava/lang/String;)Lorg/json/JSONArray;
    move-result-object v2
    if-eqz v2, :no
    # v7 = the host without a leading "www."
    invoke-static {v0}, Lapp/nativiweb/shell/Assets;->withoutWww(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v7
    invoke-virtual {v2}, Lorg/json/JSONArray;->length()I
    move-result v3
    const/4 v4, 0x0
    :loop
    if-ge v4, v3, :no
    const-string v5, ""
    invoke-virtual {v2, v4, v5}, Lorg/json/JSONArray;->optString(ILjava/lang/String;)Ljava/lang/String;
    move-result-object v5
    invoke-virtual {v5, v1}, Ljava/lang/String;->toLowerCase(Ljava/util/Locale;)Ljava/lang/String;
    move-result-object v5
    const-string v6, "*."
    invoke-virtual {v5, v6}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v6
    if-eqz v6, :exact
    const/4 v6, 0x1
    invoke-virtual {v5, v6}, Ljava/lang/String;->substring(I)Ljava/lang/String;
    move-result-object v5
    invoke-virtual {v0, v5}, Ljava/lang/String;->endsWith(Ljava/lang/String;)Z
    move-result v6
    if-nez v6, :yes
    goto :next
    :exact
    invoke-virtual {v5, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v6
    if-nez v6, :yes
    # H allowed: www.H too; www.H allowed: H too.
    invoke-static {v5}, Lapp/nativiweb/shell/Assets;->withoutWww(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    invoke-virtual {v5, v7}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v6
    if-nez v6, :yes
    :next
    add-int/lit8 v4, v4, 0x1
    goto :loop
    :yes
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# A host without its leading "www." (the host itself when it has none).
.method public static withoutWww(Ljava/lang/String;)Ljava/lang/String;
    .registers 3
    const-string v0, "www."
    invoke-virtual {p0, v0}, Ljava/lang/String;->startsWith(Ljava/lang/String;)Z
    move-result v0
    if-eqz v0, :as_is
    const/4 v0, 0x4
    invoke-virtual {p0, v0}, Ljava/lang/String;->substring(I)Ljava/lang/String;
    move-result-object v0
    return-object v0
    :as_is
    return-object p0
.end method

# Reads a stream to its end and closes it.
.method public static readAll(Ljava/io/InputStream;)[B
    .registers 6
    new-instance v0, Ljava/io/ByteArrayOutputStream;
    invoke-direct {v0}, Ljava/io/ByteArrayOutputStream;-><init>()V
    const/16 v1, 0x2000
    new-array v1, v1, [B
    :loop
    invoke-virtual {p0, v1}, Ljava/io/InputStream;->read([B)I
    move-result v2
    if-ltz v2, :done
    const/4 v3, 0x0
    invoke-virtual {v0, v1, v3, v2}, Ljava/io/ByteArrayOutputStream;->write([BII)V
    goto :loop
    :done
    invoke-virtual {p0}, Ljava/io/InputStream;->close()V
    invoke-virtual {v0}, Ljava/io/ByteArrayOutputStream;->toByteArray()[B
    move-result-object v0
    return-object v0
.end method
